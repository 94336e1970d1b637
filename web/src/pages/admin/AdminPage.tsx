import { Alert, Badge, Button, Code, Group, NumberInput, Stack, Table, Tabs, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { formatDate, formatDateTime } from "../../lib/format";
import { useMe } from "../../lib/me";
import { useProblemHandler } from "../../lib/problems";
import { FormModal } from "../../components/FormModal";
import { useDepartments } from "./departments";
import { EmployeeModal, type Handover, HandoverNotice, NewEmployeeModal, ShownOnce } from "./EmployeeDialogs";
import { ROLE } from "./labels";
import { NotLoaded } from "../../components/NotLoaded";

type Employee = components["schemas"]["EmployeeRead"];
type Department = components["schemas"]["DepartmentRead"];

/** «Администрирование»: employees with their roles and chat handles, departments (admin); one's own API tokens. */
export function AdminPage() {
  const me = useMe();
  const admin = me.data?.permissions.includes("directory:write") ?? false;
  if (!me.data) return null;
  return (
    <Stack maw={1100}>
      <Title order={2}>Администрирование</Title>
      <Tabs defaultValue={admin ? "employees" : "tokens"} keepMounted={false}>
        <Tabs.List>
          {admin ? <Tabs.Tab value="employees">Сотрудники и роли</Tabs.Tab> : null}
          {admin ? <Tabs.Tab value="departments">Отделы</Tabs.Tab> : null}
          <Tabs.Tab value="tokens">Мои API-токены</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="employees" pt="sm">
          <Employees />
        </Tabs.Panel>
        <Tabs.Panel value="departments" pt="sm">
          <Departments />
        </Tabs.Panel>
        <Tabs.Panel value="tokens" pt="sm">
          <Tokens />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}


function Employees() {
  const departments = useDepartments();
  const names = new Map((departments.data?.items ?? []).map((d) => [d.id, d.name]));
  const employees = useQuery({
    queryKey: ["employees", "admin"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/employees", { params: { query: { limit: 200 } }, signal })),
  });
  const [editing, setEditing] = useState<Employee | "new" | null>(null);
  const [handover, setHandover] = useState<Handover | null>(null);
  if (!employees.isSuccess) return <NotLoaded query={employees} what="сотрудников" size="sm" />;
  const saved = (made: Handover | null) => {
    setEditing(null);
    setHandover(made);
  };
  return (
    <Stack gap="sm">
      <Group>
        <Button onClick={() => setEditing("new")}>Добавить сотрудника</Button>
      </Group>
      {handover ? <HandoverNotice handover={handover} onClose={() => setHandover(null)} /> : null}
      <Table striped withTableBorder fz="sm" data-testid="admin-employees">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Сотрудник</Table.Th>
            <Table.Th>Отдел</Table.Th>
            <Table.Th>Роли</Table.Th>
            <Table.Th>Чат</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(employees.data?.items ?? []).map((e) => (
            <Table.Tr key={e.id} data-employee={e.id} c={e.is_active ? undefined : "dimmed"}>
              <Table.Td>
                {e.full_name}
                <Text size="xs" c="dimmed">
                  {e.position}
                  {e.is_active ? "" : " · не работает"}
                </Text>
              </Table.Td>
              <Table.Td>{names.get(e.department_id) ?? ""}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {e.roles.map((r) => (
                    <Badge key={r} size="sm" variant="light">
                      {ROLE[r]}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>{e.chat_handle ? `@${e.chat_handle}` : "—"}</Table.Td>
              <Table.Td w={110}>
                <Button size="compact-xs" variant="subtle" onClick={() => setEditing(e)} aria-label={`Изменить: ${e.full_name}`}>
                  Изменить
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {editing === "new" ? (
        <NewEmployeeModal departments={departments.data?.items ?? []} onClose={() => setEditing(null)} onSaved={saved} />
      ) : editing ? (
        <EmployeeModal employee={editing} departments={departments.data?.items ?? []} onClose={() => setEditing(null)} onSaved={saved} />
      ) : null}
    </Stack>
  );
}

function Departments() {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const departments = useDepartments();
  const [key, setKey] = useState(newIdempotencyKey);
  const [form, setForm] = useState({ code: "", name: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [renaming, setRenaming] = useState<Department | null>(null);
  const add = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/v1/departments", { params: { header: { "Idempotency-Key": key } }, body: form })),
    onSuccess: () => {
      setKey(newIdempotencyKey());
      setForm({ code: "", name: "" });
      void queryClient.invalidateQueries({ queryKey: ["departments"] });
    },
    onError: (error) => onProblem(error, setErrors, ["code", "name"]),
  });
  return (
    <Stack gap="sm">
      <Table striped withTableBorder fz="sm" data-testid="admin-departments">
        <Table.Tbody>
          {(departments.data?.items ?? []).map((d) => (
            <Table.Tr key={d.id} data-department={d.id}>
              <Table.Td w={200}>
                <Code>{d.code}</Code>
              </Table.Td>
              <Table.Td>{d.name}</Table.Td>
              <Table.Td w={150}>
                <Button size="compact-xs" variant="subtle" onClick={() => setRenaming(d)} aria-label={`Переименовать: ${d.name}`}>
                  Переименовать
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {renaming ? <RenameDepartmentModal department={renaming} onClose={() => setRenaming(null)} /> : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setErrors({});
          add.mutate();
        }}
      >
        <Group align="flex-start">
          <TextInput label="Код" required value={form.code} error={errors.code} onChange={(e) => setForm({ ...form, code: e.currentTarget.value })} w={180} />
          <TextInput label="Название" required value={form.name} error={errors.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} w={320} />
          <Button type="submit" mt={25} loading={add.isPending}>
            Добавить отдел
          </Button>
        </Group>
      </form>
    </Stack>
  );
}

/** A department's name changed over the version read (its code, which others may rely on, stays). */
function RenameDepartmentModal({ department, onClose }: { department: Department; onClose: () => void }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [name, setName] = useState(department.name);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const rename = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH("/api/v1/departments/{department_id}", {
          params: { path: { department_id: department.id }, header: ifMatch(department.version) },
          body: { name },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["departments"] });
      onClose();
    },
    onError: (error) => onProblem(error, setErrors, ["name"]),
  });
  return (
    <FormModal title={`Отдел «${department.code}»`} onClose={onClose} saving={rename.isPending}
      onSubmit={() => {
        setErrors({});
        rename.mutate();
      }}
    >
      <TextInput label="Название" required value={name} error={errors.name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
    </FormModal>
  );
}

function Tokens() {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const tokens = useQuery({
    queryKey: ["tokens"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/auth/tokens", { signal })),
  });
  const [key, setKey] = useState(newIdempotencyKey);
  const [name, setName] = useState("");
  const [days, setDays] = useState<number | string>(90);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/auth/tokens", {
          params: { header: { "Idempotency-Key": key } },
          body: { name, expires_in_days: Number(days) },
        }),
      ),
    onSuccess: (made) => {
      setSecret(made.token);
      setKey(newIdempotencyKey());
      setName("");
      void queryClient.invalidateQueries({ queryKey: ["tokens"] });
    },
    onError: (error) => onProblem(error, setErrors, ["name", "expires_in_days"]),
  });
  const revoke = useMutation({
    mutationFn: async (id: number) => {
      const { response, error } = await api.DELETE("/api/v1/auth/tokens/{token_id}", { params: { path: { token_id: id } } });
      if (!response.ok) unwrap({ error, response });
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["tokens"] }),
    onError: (error) => onProblem(error),
  });
  const personal = (tokens.data?.items ?? []).filter((t) => t.kind === "personal" && !t.revoked_at);
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        Личный токен — для своих скриптов и выгрузок через API; он действует от вашего имени с вашими правами.
      </Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setErrors({});
          setSecret(null);
          create.mutate();
        }}
      >
        <Group align="flex-start">
          <TextInput label="Назначение" required value={name} error={errors.name} onChange={(e) => setName(e.currentTarget.value)} w={320} data-testid="token-name" />
          <NumberInput label="Срок, дней" min={1} max={3650} value={days} error={errors.expires_in_days} onChange={setDays} w={140} />
          <Button type="submit" mt={25} loading={create.isPending}>
            Выпустить токен
          </Button>
        </Group>
      </form>
      {secret ? (
        <Alert color="green" title="Токен выпущен: скопируйте его сейчас, больше он не будет показан" data-testid="token-secret">
          <ShownOnce secret={secret} />
        </Alert>
      ) : null}
      <Table striped withTableBorder fz="sm" data-testid="tokens">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Назначение</Table.Th>
            <Table.Th>Начало</Table.Th>
            <Table.Th>Выпущен</Table.Th>
            <Table.Th>Действует до</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {personal.map((t) => (
            <Table.Tr key={t.id} data-token={t.id}>
              <Table.Td>{t.name}</Table.Td>
              <Table.Td>
                <Code>{t.prefix}…</Code>
              </Table.Td>
              <Table.Td>{formatDateTime(t.created_at)}</Table.Td>
              <Table.Td>{formatDate(t.expires_at)}</Table.Td>
              <Table.Td w={120}>
                <Button size="compact-xs" color="red" variant="light" loading={revoke.isPending && revoke.variables === t.id}
                  onClick={() => revoke.mutate(t.id)} aria-label={`Отозвать: ${t.name}`}>
                  Отозвать
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {tokens.data && personal.length === 0 ? <Text c="dimmed">Личных токенов нет</Text> : null}
    </Stack>
  );
}
