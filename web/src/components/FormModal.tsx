import { Button, Group, Modal, Stack } from "@mantine/core";
import type { ReactNode } from "react";

/**
 * A dialog holding one form: its fields, then «Отмена» and «Сохранить» (Enter submits);
 * `aside` sits at the footer's other end (a «Удалить», say).
 */
export function FormModal({
  title,
  onClose,
  onSubmit,
  saving,
  aside,
  children,
}: {
  title: string;
  onClose: () => void;
  onSubmit: () => void;
  saving: boolean;
  aside?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Modal opened onClose={onClose} title={title}>
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
              <Button type="submit" loading={saving}>
                Сохранить
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
