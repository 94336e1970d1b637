import { Group, NumberInput, SegmentedControl, Select, Text, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";

import { api, ifMatch, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { FormModal } from "../../components/FormModal";
import { DayInput } from "../../components/WhenInput";
import { useProblemHandler } from "../../lib/problems";
import { detailsOf, draftOf, emptyDraft, type Draft, type Kind } from "./drafts";
import { RECEIVED_VIA, SPEC_KIND } from "./labels";
import { DetailsForm, LogoFilePicker } from "./SpecForms";

type Spec = components["schemas"]["SpecRead"];

/** The logo file of a logo spec, put over the version read (a new revision). */
export async function uploadLogo(spec: Spec, file: File): Promise<Spec> {
  return unwrap(
    await api.PUT("/api/v1/specs/{spec_id}/logo", {
      params: { path: { spec_id: spec.id }, header: ifMatch(spec.version) },
      body: { file: "" },
      bodySerializer: () => {
        const form = new FormData();
        form.append("file", file, file.name);
        return form;
      },
    }),
  );
}

/** The API's field paths (`details.wearers.chest_cm`) as the forms name them. */
function formErrors(errors: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(errors).map(([k, v]) => [k.replace(/^details\.((logo|tailoring|manufacturing)\.)?/, ""), v]),
  );
}

const OWN = ["order_id", "received_via", "due_on", "comment"];
const DETAILS = ["placement", "method", "colors", "width_mm", "height_mm", "garments", "model", "fabric", "color", "wearers", "item", "grid"];
/** The fields a problem may name that the form shows beside themselves (a union's variant is in the path). */
const FIELDS = [
  ...OWN,
  ...DETAILS.flatMap((f) => [`details.${f}`, ...["logo", "tailoring", "manufacturing"].map((k) => `details.${k}.${f}`)]),
];

/** «Новое ТЗ»: the order it is for, how it came, and the kind's own form; a logo's file with it. */
export function NewSpecModal({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const onProblem = useProblemHandler();
  const [key] = useState(newIdempotencyKey);
  const [orderId, setOrderId] = useState<number | string>("");
  const [via, setVia] = useState<components["schemas"]["SpecReceivedVia"] | null>(null);
  const [dueOn, setDueOn] = useState("");
  const [comment, setComment] = useState("");
  const [draft, setDraft] = useState<Draft>(() => emptyDraft("logo"));
  const [logo, setLogo] = useState<File | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const create = useMutation({
    mutationFn: async () => {
      const { details, errors: found } = detailsOf(draft);
      const mine: Record<string, string> = { ...found };
      if (!orderId) mine.order_id = "Укажите номер заявки";
      if (!via) mine.received_via = "Укажите, как пришло ТЗ";
      if (!details || Object.keys(mine).length) throw new FormErrors(mine);
      const spec = unwrap(
        await api.POST("/api/v1/specs", {
          params: { header: { "Idempotency-Key": key } },
          body: { order_id: Number(orderId), received_via: via ?? "email", due_on: dueOn || null, comment: comment.trim() || null, details },
        }),
      );
      if (logo) {
        try {
          return { spec: await uploadLogo(spec, logo), logoSaved: true };
        } catch {
          return { spec, logoSaved: false };
        }
      }
      return { spec, logoSaved: true };
    },
    onSuccess: async ({ spec, logoSaved }) => {
      if (!logoSaved) {
        notifications.show({ color: "orange", title: "Логотип не сохранён", message: `ТЗ №${spec.id} создано; загрузите файл логотипа на его странице.` });
      }
      await queryClient.invalidateQueries({ queryKey: ["specs"] });
      onClose();
      await navigate({ to: "/specs/$specId", params: { specId: spec.id } });
    },
    onError: (error) => {
      if (error instanceof FormErrors) setErrors(error.fields);
      else onProblem(error, (e) => setErrors(formErrors(e)), FIELDS);
    },
  });

  return (
    <FormModal
      title="Новое ТЗ в швейный цех"
      size="95%"
      onClose={onClose}
      onSubmit={() => {
        setErrors({});
        create.mutate();
      }}
      saving={create.isPending}
      submitLabel="Создать ТЗ"
    >
      <Group grow align="flex-start">
        <NumberInput label="Заявка №" required min={1} allowDecimal={false} allowNegative={false} value={orderId}
          onChange={setOrderId} error={errors.order_id} data-autofocus />
        <Select label="Как пришло" required data={Object.entries(RECEIVED_VIA).map(([value, label]) => ({ value, label }))}
          value={via} onChange={(v) => setVia(v as typeof via)} error={errors.received_via} />
        <DayInput label="Срок (по желанию менеджера)" value={dueOn} onChange={setDueOn} error={errors.due_on} />
      </Group>
      <div>
        <Text size="sm" fw={500} mb={4}>
          Вид ТЗ
        </Text>
        <SegmentedControl
          aria-label="Вид ТЗ"
          data={Object.entries(SPEC_KIND).map(([value, label]) => ({ value, label }))}
          value={draft.kind}
          onChange={(kind) => {
            setErrors({});
            setDraft(emptyDraft(kind as Kind));
          }}
        />
      </div>
      <DetailsForm draft={draft} onChange={setDraft} errors={errors} />
      {draft.kind === "logo" ? (
        <LogoFilePicker file={logo} onFile={setLogo} error={errors.file}
          onReject={() => setErrors((e) => ({ ...e, file: "Нужен PDF, SVG, EPS или картинка до 20 МБ" }))} />
      ) : null}
      <Textarea label="Комментарий" autosize minRows={1} value={comment} onChange={(e) => setComment(e.currentTarget.value)}
        error={errors.comment} />
    </FormModal>
  );
}

/** What the form itself found wrong before asking the API. */
class FormErrors extends Error {
  readonly fields: Record<string, string>;
  constructor(fields: Record<string, string>) {
    super("form");
    this.fields = fields;
  }
}

/** The spec's details changed: the next revision (supply signs it again). */
export function EditSpecModal({ spec, onClose }: { spec: Spec; onClose: () => void }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [draft, setDraft] = useState<Draft>(() => draftOf(spec.details));
  const [dueOn, setDueOn] = useState(spec.due_on ?? "");
  const [comment, setComment] = useState(spec.comment ?? "");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: async () => {
      const { details, errors: found } = detailsOf(draft);
      if (!details) throw new FormErrors(found);
      return unwrap(
        await api.PATCH("/api/v1/specs/{spec_id}", {
          params: { path: { spec_id: spec.id }, header: ifMatch(spec.version) },
          body: { details, due_on: dueOn || null, comment: comment.trim() || null },
        }),
      );
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(["specs", spec.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["specs"] });
      onClose();
    },
    onError: (error) => {
      if (error instanceof FormErrors) setErrors(error.fields);
      else onProblem(error, (e) => setErrors(formErrors(e)), FIELDS);
    },
  });
  return (
    <FormModal
      title={`ТЗ №${spec.id}: новая редакция`}
      size="95%"
      onClose={onClose}
      onSubmit={() => {
        setErrors({});
        save.mutate();
      }}
      saving={save.isPending}
      submitLabel="Сохранить редакцию"
    >
      {spec.signature_current ? (
        <Text size="sm" c="orange">
          После изменения подпись снабжения снимается: новую редакцию нужно подписать снова.
        </Text>
      ) : null}
      <DetailsForm draft={draft} onChange={setDraft} errors={errors} />
      <Group grow align="flex-start">
        <DayInput label="Срок" value={dueOn} onChange={setDueOn} error={errors.due_on} />
        <Textarea label="Комментарий" autosize minRows={1} value={comment} onChange={(e) => setComment(e.currentTarget.value)}
          error={errors.comment} />
      </Group>
    </FormModal>
  );
}
