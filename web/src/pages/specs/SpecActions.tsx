import { Button, Group, Modal, Select, Stack, Text, Textarea } from "@mantine/core";
import { Dropzone, IMAGE_MIME_TYPE, PDF_MIME_TYPE } from "@mantine/dropzone";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useEmployeesWithRole } from "../../lib/employees";
import { useProblemHandler } from "../../lib/problems";
import { channelOf, SPEC_ACTION } from "./labels";
import { EditSpecModal, uploadLogo } from "./NewSpecModal";
import { LogoFilePicker } from "./SpecForms";

type Spec = components["schemas"]["SpecRead"];

/** These ask for something first (a file, a note, a reason); the rest are done at a click. */
const ASKS = new Set(["logo", "signed-scan", "send", "workshop-feedback", "cancel"]);

/** The spec's actions as buttons: exactly those `allowed_actions` lists, in the regulation's words. */
export function SpecActions({ spec }: { spec: Spec }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [asking, setAsking] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const act = useMutation({
    mutationFn: async ({ action, body }: { action: string; body?: object | FormData }) => {
      if (action === "logo" && body instanceof FormData) return uploadLogo(spec, body.get("file") as File);
      // The action is the last segment of POST /specs/{id}/<action>: not one of the typed paths.
      const post = api.POST as unknown as (
        path: string,
        init: {
          params: { path: { spec_id: number }; header: Record<string, string> };
          body?: object;
          bodySerializer?: (b: unknown) => FormData;
        },
      ) => Promise<{ data?: Spec; error?: unknown; response: Response }>;
      return unwrap(
        await post(`/api/v1/specs/{spec_id}/${action}`, {
          params: { path: { spec_id: spec.id }, header: ifMatch(spec.version) },
          ...(body instanceof FormData ? { body: {}, bodySerializer: () => body } : { body }),
        }),
      );
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(["specs", spec.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["specs"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
      setAsking(null);
      setErrors({});
    },
    onError: (error) => onProblem(error, setErrors, ["note", "text", "reason", "signer_id", "file"]),
  });

  const run = (action: string, body?: object | FormData) => {
    setErrors({});
    act.mutate({ action, body });
  };
  // A change of the details is allowed in the states and to the people a cancellation is (the same
  // rule of the spec's machine; PATCH has no action name of its own to be offered by).
  const canEdit = spec.allowed_actions.includes("cancel");
  const close = () => {
    setAsking(null);
    setErrors({});
  };
  return (
    <Group gap="xs" data-testid="spec-actions">
      {canEdit ? (
        <Button variant="default" onClick={() => setEditing(true)}>
          Изменить
        </Button>
      ) : null}
      {spec.allowed_actions.map((action) => (
        <Button
          key={action}
          variant={action === "cancel" ? "light" : "filled"}
          color={action === "cancel" ? "red" : undefined}
          loading={act.isPending && act.variables.action === action}
          onClick={() => (ASKS.has(action) ? setAsking(action) : run(action))}
        >
          {SPEC_ACTION[action] ?? action}
        </Button>
      ))}
      {editing ? <EditSpecModal spec={spec} onClose={() => setEditing(false)} /> : null}
      {asking === "logo" ? <LogoModal busy={act.isPending} onClose={close} onSubmit={(form) => run("logo", form)} /> : null}
      {asking === "signed-scan" ? (
        <ScanModal busy={act.isPending} errors={errors} onClose={close} onSubmit={(form) => run("signed-scan", form)} />
      ) : null}
      {asking === "send" ? (
        <TextModal title={`Отправить ТЗ №${spec.id} в цех`} label="Строка к сообщению (по желанию)" field="note" required={false}
          intro={`ТЗ с подписью снабжения уйдёт в чат «${channelOf(spec.kind)}»${spec.kind === "logo" ? " вместе с файлом логотипа" : ""}.`}
          busy={act.isPending} errors={errors} onClose={close} onSubmit={(note) => run("send", { note: note || null })} submit="Отправить" />
      ) : null}
      {asking === "workshop-feedback" ? (
        <TextModal title="Замечание цеха" label="Замечание" field="text" required busy={act.isPending} errors={errors} onClose={close}
          onSubmit={(text) => run("workshop-feedback", { text })} submit="Сохранить" />
      ) : null}
      {asking === "cancel" ? (
        <TextModal title={`Отменить ТЗ №${spec.id}`} label="Причина" field="reason" required busy={act.isPending} errors={errors}
          onClose={close} onSubmit={(reason) => run("cancel", { reason })} submit="Отменить ТЗ" />
      ) : null}
    </Group>
  );
}

function TextModal({ title, intro, label, field, required, busy, errors, submit, onClose, onSubmit }: {
  title: string;
  intro?: string;
  label: string;
  field: string;
  required: boolean;
  busy: boolean;
  errors: Record<string, string>;
  submit: string;
  onClose: () => void;
  onSubmit: (value: string) => void;
}) {
  const [value, setValue] = useState("");
  const ready = !required || value.trim() !== "";
  return (
    <Modal opened onClose={onClose} title={title}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) onSubmit(value.trim());
        }}
      >
        <Stack>
          {intro ? <Text size="sm" data-testid="send-intro">{intro}</Text> : null}
          <Textarea label={label} required={required} autosize minRows={2} value={value} error={errors[field]}
            onChange={(e) => setValue(e.currentTarget.value)} data-autofocus />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Назад
            </Button>
            <Button type="submit" loading={busy} disabled={!ready}>
              {submit}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function LogoModal({ busy, onClose, onSubmit }: { busy: boolean; onClose: () => void; onSubmit: (form: FormData) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | undefined>();
  return (
    <Modal opened onClose={onClose} title="Файл логотипа" size="lg">
      <Stack>
        <Text size="sm" c="dimmed">
          Новый файл — новая редакция ТЗ: её снова подписывает снабжение.
        </Text>
        <LogoFilePicker file={file} onFile={setFile} error={error} onReject={() => setError("Нужен PDF, SVG, EPS или картинка до 20 МБ")} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Назад
          </Button>
          <Button loading={busy} disabled={!file}
            onClick={() => {
              if (!file) return;
              const form = new FormData();
              form.append("file", file, file.name);
              onSubmit(form);
            }}>
            Загрузить
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The scan of the paper copy supply signed, and who signed it. */
function ScanModal({ busy, errors, onClose, onSubmit }: {
  busy: boolean;
  errors: Record<string, string>;
  onClose: () => void;
  onSubmit: (form: FormData) => void;
}) {
  const supply = useEmployeesWithRole("supply");
  const [signer, setSigner] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [rejected, setRejected] = useState<string | undefined>();
  return (
    <Modal opened onClose={onClose} title="Скан подписанного ТЗ" size="lg">
      <Stack>
        <Select label="Кто подписал (снабжение)" required data={supply.data ?? []} value={signer} onChange={setSigner}
          error={errors.signer_id} data-autofocus />
        <Dropzone onDrop={(files) => setFile(files[0] ?? null)} onReject={() => setRejected("Нужен PDF или картинка до 20 МБ")}
          accept={[...PDF_MIME_TYPE, ...IMAGE_MIME_TYPE]} maxSize={20 * 1024 * 1024} maxFiles={1} multiple={false} aria-label="Скан">
          <Text size="sm" ta="center">
            {file ? `Скан: ${file.name}` : "Скан подписанной копии: перетащите сюда PDF или фото, или нажмите"}
          </Text>
        </Dropzone>
        {rejected || errors.file ? <Text size="sm" c="red">{rejected ?? errors.file}</Text> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Назад
          </Button>
          <Button loading={busy} disabled={!file || !signer}
            onClick={() => {
              if (!file || !signer) return;
              const form = new FormData();
              form.append("signer_id", signer);
              form.append("file", file, file.name);
              onSubmit(form);
            }}>
            Сохранить скан
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
