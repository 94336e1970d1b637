import { Button, Group, Modal, Stack } from "@mantine/core";
import type { ReactNode } from "react";

/**
 * A dialog holding one form: its fields, then «Отмена» and «Сохранить» (Enter submits);
 * `aside` sits at the footer's other end (a «Удалить», say). `submitLabel` names the step where
 * «Сохранить» would not («Перенести», «Создать ТЗ»), `danger` paints it red, `size` widens a
 * dialog whose form is a table.
 */
export function FormModal({
  title,
  onClose,
  onSubmit,
  saving,
  aside,
  submitLabel = "Сохранить",
  danger = false,
  size,
  children,
}: {
  title: string;
  onClose: () => void;
  onSubmit: () => void;
  saving: boolean;
  aside?: ReactNode;
  submitLabel?: string;
  danger?: boolean;
  size?: string;
  children: ReactNode;
}) {
  return (
    <Modal opened onClose={onClose} title={title} size={size}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <Stack>
          {children}
          <Group justify={aside ? "space-between" : "flex-end"}>
            {aside}
            <Group>
              <Button variant="default" onClick={onClose}>
                Отмена
              </Button>
              <Button type="submit" color={danger ? "red" : undefined} loading={saving}>
                {submitLabel}
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
