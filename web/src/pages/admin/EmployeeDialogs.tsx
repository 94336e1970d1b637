import { Alert, Button, Checkbox, Code, CopyButton, Group, MultiSelect, Select, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { FormModal } from "../../components/FormModal";
import { useProblemHandler } from "../../lib/problems";
import { ROLE } from "./labels";

type Employee = components["schemas"]["EmployeeRead"];
type Department = components["schemas"]["DepartmentRead"];
type Role = components["schemas"]["Role"];

/** What the administrator hands over after saving: whom, and the password they set (once). */
export type Handover = { fullName: string; password: string | null };

const ROLES = (Object.keys(ROLE) as Role[]).map((r) => ({ value: r, label: ROLE[r] }));
const FIELDS = ["full_name", "initials", "email", "position", "department_id", "roles", "chat_handle", "phone", "is_active", "password"];

/** «Соколова Ксения Андреевна» → «СКА», as the regulation writes a person's code. */
function initialsOf(fullName: string): string {
  return fullName
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() ?? "")
    .join("")
    .slice(0, 4);
}

/** A password to hand over: 12 characters with none that read alike (0/O, 1/l/I). */
function newPassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** A chat handle as typed («@sokolova_ka») as the API keeps it, empty as none. */
function handleOf(value: string): string | null {
  return value.trim().replace(/^@/, "") || null;
}

function PasswordField({ label, value, error, onChange, description }: {
  label: string;
  value: string;
  error?: string;
  onChange: (value: string) => void;
  description: string;
}) {
  return (
    <Group align="flex-end" wrap="nowrap">
      <TextInput label={label} description={description} value={value} error={error} autoComplete="new-password"
        onChange={(e) => onChange(e.currentTarget.value)} style={{ flex: 1 }} />
      <Button variant="default" onClick={() => onChange(newPassword())} mb={error ? 22 : 0}>
        Придумать
      </Button>
    </Group>
  );
}

/** A secret the server will not show again (a token, a password just set), with its copy button. */
export function ShownOnce({ secret }: { secret: string }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Code style={{ wordBreak: "break-all" }}>{secret}</Code>
      <CopyButton value={secret}>
        {({ copied, copy }) => (
          <Button size="compact-xs" variant="light" onClick={copy}>
            {copied ? "Скопировано" : "Копировать"}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

/** The password just set, shown once to pass on; or how one without a password gets in. */
export function HandoverNotice({ handover, onClose }: { handover: Handover; onClose: () => void }) {
  return handover.password ? (
    <Alert color="green" withCloseButton onClose={onClose} closeButtonLabel="Скрыть" data-testid="employee-password"
      title={`${handover.fullName}: пароль для входа — передайте его сотруднику, больше он не будет показан`}>
      <ShownOnce secret={handover.password} />
    </Alert>
  ) : (
    <Alert color="blue" withCloseButton onClose={onClose} closeButtonLabel="Скрыть" data-testid="employee-password">
      <Text size="sm">{handover.fullName}: сохранено без пароля — войти в консоль сотрудник сможет, когда вы зададите пароль в «Изменить».</Text>
    </Alert>
  );
}

/** «Новый сотрудник»: who, where, with which roles; a password for the first login if given. */
export function NewEmployeeModal({ departments, onClose, onSaved }: {
  departments: Department[];
  onClose: () => void;
  onSaved: (handover: Handover) => void;
}) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [key] = useState(newIdempotencyKey);
  const [form, setForm] = useState({
    full_name: "",
    initials: "",
    email: "",
    position: "",
    department_id: null as string | null,
    roles: [] as string[],
    chat_handle: "",
    phone: "",
    password: "",
  });
  // The initials follow the name until the administrator types their own.
  const [ownInitials, setOwnInitials] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/employees", {
          params: { header: { "Idempotency-Key": key } },
          body: {
            full_name: form.full_name,
            initials: form.initials,
            email: form.email.trim(),
            position: form.position,
            department_id: Number(form.department_id),
            roles: form.roles as Role[],
            chat_handle: handleOf(form.chat_handle),
            phone: form.phone.trim() || null,
            is_active: true,
            password: form.password || null,
          },
        }),
      ),
    onSuccess: (made) => {
      void queryClient.invalidateQueries({ queryKey: ["employees"] });
      onSaved({ fullName: made.full_name, password: form.password || null });
    },
    onError: (error) => onProblem(error, setErrors, FIELDS),
  });
  return (
    <FormModal title="Новый сотрудник" size="lg" onClose={onClose} saving={create.isPending} submitLabel="Добавить"
      onSubmit={() => {
        const mine: Record<string, string> = {};
        if (!form.department_id) mine.department_id = "Выберите отдел";
        if (form.roles.length === 0) mine.roles = "Выберите хотя бы одну роль";
        setErrors(mine);
        if (Object.keys(mine).length === 0) create.mutate();
      }}
    >
      <Group grow align="flex-start">
        <TextInput label="ФИО" required value={form.full_name} error={errors.full_name} data-autofocus
          onChange={(e) => {
            const full_name = e.currentTarget.value;
            setForm({ ...form, full_name, initials: ownInitials ? form.initials : initialsOf(full_name) });
          }} />
        <TextInput label="Инициалы" required value={form.initials} error={errors.initials} maw={120}
          onChange={(e) => {
            setOwnInitials(true);
            setForm({ ...form, initials: e.currentTarget.value.toUpperCase() });
          }} />
      </Group>
      <Group grow align="flex-start">
        <TextInput label="E-mail" required type="email" value={form.email} error={errors.email}
          onChange={(e) => setForm({ ...form, email: e.currentTarget.value })} />
        <TextInput label="Должность" required value={form.position} error={errors.position}
          onChange={(e) => setForm({ ...form, position: e.currentTarget.value })} />
      </Group>
      <Select label="Отдел" withAsterisk value={form.department_id} allowDeselect={false} error={errors.department_id}
        data={departments.map((d) => ({ value: String(d.id), label: d.name }))} onChange={(v) => setForm({ ...form, department_id: v })} />
      <MultiSelect label="Роли" withAsterisk value={form.roles} error={errors.roles} data={ROLES}
        onChange={(v) => setForm({ ...form, roles: v })} />
      <Group grow align="flex-start">
        <TextInput label="Ник в чате" value={form.chat_handle} error={errors.chat_handle}
          onChange={(e) => setForm({ ...form, chat_handle: e.currentTarget.value })} />
        <TextInput label="Телефон" value={form.phone} error={errors.phone} onChange={(e) => setForm({ ...form, phone: e.currentTarget.value })} />
      </Group>
      <PasswordField label="Пароль для входа" value={form.password} error={errors.password}
        description="Не короче 8 знаков; без пароля сотрудник войти не сможет, пока вы его не зададите"
        onChange={(password) => setForm({ ...form, password })} />
    </FormModal>
  );
}

/** An employee changed over the version read: position, department, roles, handle, a new password, deactivation. */
export function EmployeeModal({ employee, departments, onClose, onSaved }: {
  employee: Employee;
  departments: Department[];
  onClose: () => void;
  onSaved: (handover: Handover | null) => void;
}) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [form, setForm] = useState({
    position: employee.position,
    department_id: String(employee.department_id),
    roles: employee.roles as string[],
    chat_handle: employee.chat_handle ?? "",
    phone: employee.phone ?? "",
    is_active: employee.is_active,
    password: "",
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH("/api/v1/employees/{employee_id}", {
          params: { path: { employee_id: employee.id }, header: ifMatch(employee.version) },
          body: {
            position: form.position,
            department_id: Number(form.department_id),
            roles: form.roles as Role[],
            chat_handle: handleOf(form.chat_handle),
            phone: form.phone.trim() || null,
            is_active: form.is_active,
            ...(form.password ? { password: form.password } : {}),
          },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["employees"] });
      onSaved(form.password ? { fullName: employee.full_name, password: form.password } : null);
    },
    onError: (error) => onProblem(error, setErrors, FIELDS),
  });
  return (
    <FormModal
      title={employee.full_name}
      onClose={onClose}
      onSubmit={() => {
        setErrors({});
        save.mutate();
      }}
      saving={save.isPending}
    >
      <TextInput label="Должность" required value={form.position} error={errors.position} onChange={(e) => setForm({ ...form, position: e.currentTarget.value })} />
      <Select label="Отдел" value={form.department_id} allowDeselect={false} error={errors.department_id}
        data={departments.map((d) => ({ value: String(d.id), label: d.name }))} onChange={(v) => v && setForm({ ...form, department_id: v })} />
      <MultiSelect label="Роли" value={form.roles} error={errors.roles} data={ROLES} onChange={(v) => setForm({ ...form, roles: v })} />
      <TextInput label="Ник в чате" value={form.chat_handle} error={errors.chat_handle} onChange={(e) => setForm({ ...form, chat_handle: e.currentTarget.value })} data-autofocus />
      <TextInput label="Телефон" value={form.phone} error={errors.phone} onChange={(e) => setForm({ ...form, phone: e.currentTarget.value })} />
      <PasswordField label="Новый пароль" value={form.password} error={errors.password} description="Пусто — пароль не меняется"
        onChange={(password) => setForm({ ...form, password })} />
      <Checkbox label="Работает (снятие отзывает все его токены)" checked={form.is_active} onChange={(e) => setForm({ ...form, is_active: e.currentTarget.checked })} />
    </FormModal>
  );
}

