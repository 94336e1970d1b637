import { Button, Checkbox, FileInput, Group, Modal, Select, Stack, TextInput, Textarea } from "@mantine/core";
import { useState, type ReactNode } from "react";

import { DayInput } from "../../components/WhenInput";

export type CaseField =
  | { name: string; label: string; kind: "text" | "long" | "date"; required?: boolean; min?: string; max?: string }
  | { name: string; label: string; kind: "file"; required?: boolean }
  | { name: string; label: string; kind: "select"; required?: boolean; options: { value: string; label: string }[] }
  | { name: string; label: string; kind: "check" };

export type CaseValues = { text: Record<string, string>; files: Record<string, File | null>; checks: Record<string, boolean> };

/**
 * A case action's form: its fields (text, dates, a scan, a choice, a yes/no), the problems the API
 * named beside them, and an extra part under them (`children`, e.g. a live check).
 */
export function CaseForm({
  title,
  fields,
  errors,
  busy,
  onClose,
  onSubmit,
  onChange,
  submitLabel = "Подтвердить",
  valid = true,
  children,
}: {
  title: string;
  fields: CaseField[];
  errors: Record<string, string>;
  busy: boolean;
  onClose: () => void;
  onSubmit: (values: CaseValues) => void;
  onChange?: (name: string, value: string) => void;
  submitLabel?: string;
  valid?: boolean;
  children?: ReactNode;
}) {
  const [text, setText] = useState<Record<string, string>>({});
  const [files, setFiles] = useState<Record<string, File | null>>({});
  const [checks, setChecks] = useState<Record<string, boolean>>({});
  const ready =
    valid &&
    fields.every((f) => {
      if (f.kind === "check" || !f.required) return true;
      return f.kind === "file" ? Boolean(files[f.name]) : Boolean((text[f.name] ?? "").trim());
    });
  const setValue = (name: string, value: string) => {
    setText((all) => ({ ...all, [name]: value }));
    onChange?.(name, value);
  };
  return (
    <Modal opened onClose={onClose} title={title} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!ready) return;
          const trimmed = Object.fromEntries(Object.entries(text).map(([k, v]) => [k, v.trim()]));
          onSubmit({ text: trimmed, files, checks });
        }}
      >
        <Stack>
          {fields.map((f, i) => {
            const common = { label: f.label, error: errors[f.name], "data-autofocus": i === 0 || undefined };
            if (f.kind === "check") {
              return (
                <Checkbox key={f.name} label={f.label} checked={checks[f.name] ?? false}
                  onChange={(e) => { const on = e.currentTarget.checked; setChecks((all) => ({ ...all, [f.name]: on })); }} />
              );
            }
            if (f.kind === "file") {
              return (
                <FileInput key={f.name} {...common} required={f.required} clearable accept="application/pdf,image/*"
                  placeholder="PDF или фото" value={files[f.name] ?? null}
                  onChange={(file) => setFiles((all) => ({ ...all, [f.name]: file }))} />
              );
            }
            if (f.kind === "select") {
              return (
                <Select key={f.name} {...common} required={f.required} data={f.options} value={text[f.name] ?? null}
                  allowDeselect={false} onChange={(v) => setValue(f.name, v ?? "")} />
              );
            }
            const props = {
              ...common,
              required: f.required,
              value: text[f.name] ?? "",
              onChange: (e: { currentTarget: { value: string } }) => setValue(f.name, e.currentTarget.value),
            };
            if (f.kind === "long") return <Textarea key={f.name} autosize minRows={2} {...props} />;
            if (f.kind === "date") {
              return (
                <DayInput key={f.name} label={f.label} required={f.required} error={errors[f.name]} minDate={f.min}
                  maxDate={f.max} value={text[f.name] ?? ""} onChange={(v) => setValue(f.name, v)} />
              );
            }
            return <TextInput key={f.name} {...props} />;
          })}
          {children}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Назад
            </Button>
            <Button type="submit" loading={busy} disabled={!ready}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
