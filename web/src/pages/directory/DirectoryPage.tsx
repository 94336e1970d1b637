import { Anchor, Badge, Button, Group, Loader, Select, Stack, Table, Tabs, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useMe } from "../../lib/me";
import { useProblemHandler } from "../../lib/problems";
import { FormModal } from "../../components/FormModal";
import { useDepartments } from "../admin/departments";
import { LINK_KIND, ROLE, TERM_KIND } from "../admin/labels";

type Link = components["schemas"]["LinkRead"];
type Term = components["schemas"]["TermRead"];
type LinkKind = components["schemas"]["LinkKind"];
type TermKind = components["schemas"]["TermKind"];

/** «Справочник»: who is who, the useful links and the glossary; those allowed edit the links and terms. */
export function DirectoryPage() {
  const me = useMe();
  const canEdit = me.data?.permissions.includes("reference:write") ?? false;
  return (
    <Stack maw={1100}>
      <Title order={2}>Справочник</Title>
      <Tabs defaultValue="people" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="people">Сотрудники</Tabs.Tab>
          <Tabs.Tab value="links">Полезные ссылки</Tabs.Tab>
          <Tabs.Tab value="terms">Глоссарий</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="people" pt="sm">
          <People />
        </Tabs.Panel>
        <Tabs.Panel value="links" pt="sm">
          <Links canEdit={canEdit} />
        </Tabs.Panel>
        <Tabs.Panel value="terms" pt="sm">
          <Terms canEdit={canEdit} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}


function People() {
  const [q, setQ] = useState("");
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const departments = useDepartments();
  const names = new Map((departments.data?.items ?? []).map((d) => [d.id, d.name]));
  const people = useQuery({
    queryKey: ["employees", "directory", debounced],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/employees", { params: { query: { q: debounced || undefined, active: true, limit: 200 } }, signal })),
  });
  return (
    <Stack gap="sm">
      <TextInput label="Поиск" placeholder="Фамилия, инициалы или e-mail" value={q} onChange={(e) => setQ(e.currentTarget.value)} w={360} />
      {people.isPending ? <Loader size="sm" aria-label="Загрузка" /> : null}
      <Table striped withTableBorder fz="sm" data-testid="people">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Сотрудник</Table.Th>
            <Table.Th>Отдел, должность</Table.Th>
            <Table.Th>Роли</Table.Th>
            <Table.Th>Контакты</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(people.data?.items ?? []).map((e) => (
            <Table.Tr key={e.id} data-employee={e.id}>
              <Table.Td>
                {e.full_name}
                <Text size="xs" c="dimmed">
                  {e.initials}
                </Text>
              </Table.Td>
              <Table.Td>
                {names.get(e.department_id) ?? ""}
                <Text size="xs" c="dimmed">
                  {e.position}
                </Text>
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {e.roles.map((r) => (
                    <Badge key={r} size="sm" variant="light">
                      {ROLE[r]}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>
                <Anchor href={`mailto:${e.email}`} size="sm">
                  {e.email}
                </Anchor>
                <Text size="xs">
                  {[e.phone, e.chat_handle ? `@${e.chat_handle}` : null].filter(Boolean).join(" · ")}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function useReference() {
  return useQuery({
    queryKey: ["reference"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/reference", { signal })),
  });
}

type LinkForm = { kind: LinkKind; title: string; url: string; description: string };

function Links({ canEdit }: { canEdit: boolean }) {
  const reference = useReference();
  const [editing, setEditing] = useState<Link | "new" | null>(null);
  const links = reference.data?.links ?? [];
  const kinds = (Object.keys(LINK_KIND) as LinkKind[]).filter((k) => links.some((l) => l.kind === k));
  return (
    <Stack gap="sm">
      {canEdit ? (
        <Group>
          <Button onClick={() => setEditing("new")}>Добавить ссылку</Button>
        </Group>
      ) : null}
      {reference.isPending ? <Loader size="sm" aria-label="Загрузка" /> : null}
      {reference.data && links.length === 0 ? <Text c="dimmed">Ссылок пока нет</Text> : null}
      {kinds.map((k) => (
        <Stack key={k} gap={4}>
          <Title order={5}>{LINK_KIND[k]}</Title>
          {links
            .filter((l) => l.kind === k)
            .map((l) => (
              <Group key={l.id} gap="xs" data-link={l.id} wrap="nowrap">
                <Anchor href={l.url} target="_blank" rel="noopener noreferrer">
                  {l.title}
                </Anchor>
                {l.description ? (
                  <Text size="sm" c="dimmed">
                    {l.description}
                  </Text>
                ) : null}
                {canEdit ? (
                  <Button size="compact-xs" variant="subtle" onClick={() => setEditing(l)} aria-label={`Изменить: ${l.title}`}>
                    Изменить
                  </Button>
                ) : null}
              </Group>
            ))}
        </Stack>
      ))}
      {editing ? <LinkModal link={editing === "new" ? null : editing} onClose={() => setEditing(null)} /> : null}
    </Stack>
  );
}

function LinkModal({ link, onClose }: { link: Link | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [key] = useState(newIdempotencyKey);
  const [form, setForm] = useState<LinkForm>({
    kind: link?.kind ?? "other",
    title: link?.title ?? "",
    url: link?.url ?? "https://",
    description: link?.description ?? "",
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const body = { ...form, description: form.description.trim() || null, position: link?.position ?? 0 };
  const save = useMutation({
    mutationFn: async () =>
      link
        ? unwrap(await api.PATCH("/api/v1/reference/links/{link_id}", { params: { path: { link_id: link.id }, header: ifMatch(link.version) }, body }))
        : unwrap(await api.POST("/api/v1/reference/links", { params: { header: { "Idempotency-Key": key } }, body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["reference"] });
      onClose();
    },
    onError: (error) => onProblem(error, setErrors, ["kind", "title", "url", "description"]),
  });
  const remove = useMutation({
    mutationFn: async () => {
      if (!link) return;
      const { response, error } = await api.DELETE("/api/v1/reference/links/{link_id}", {
        params: { path: { link_id: link.id }, header: ifMatch(link.version) },
      });
      if (!response.ok) unwrap({ error, response });
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["reference"] });
      onClose();
    },
    onError: (error) => onProblem(error),
  });
  return (
    <FormModal
      title={link ? `Ссылка: ${link.title}` : "Новая ссылка"}
      onClose={onClose}
      onSubmit={() => {
        setErrors({});
        save.mutate();
      }}
      saving={save.isPending}
      aside={
        link ? (
          <Button color="red" variant="light" loading={remove.isPending} onClick={() => remove.mutate()}>
            Удалить
          </Button>
        ) : undefined
      }
    >
          <Select label="Раздел" value={form.kind} allowDeselect={false} error={errors.kind}
            data={(Object.keys(LINK_KIND) as LinkKind[]).map((k) => ({ value: k, label: LINK_KIND[k] }))}
            onChange={(v) => v && setForm({ ...form, kind: v as LinkKind })} />
          <TextInput label="Название" required value={form.title} error={errors.title} onChange={(e) => setForm({ ...form, title: e.currentTarget.value })} data-autofocus />
          <TextInput label="Адрес" required value={form.url} error={errors.url} onChange={(e) => setForm({ ...form, url: e.currentTarget.value })} />
          <Textarea label="Описание" value={form.description} error={errors.description} onChange={(e) => setForm({ ...form, description: e.currentTarget.value })} />
    </FormModal>
  );
}

function Terms({ canEdit }: { canEdit: boolean }) {
  const reference = useReference();
  const [editing, setEditing] = useState<Term | "new" | null>(null);
  const terms = [...(reference.data?.terms ?? [])].sort((a, b) => a.term.localeCompare(b.term, "ru"));
  return (
    <Stack gap="sm">
      {canEdit ? (
        <Group>
          <Button onClick={() => setEditing("new")}>Добавить термин</Button>
        </Group>
      ) : null}
      {reference.data && terms.length === 0 ? <Text c="dimmed">Глоссарий пуст</Text> : null}
      {terms.length > 0 ? (
        <Table striped withTableBorder fz="sm" data-testid="terms">
          <Table.Tbody>
            {terms.map((t) => (
              <Table.Tr key={t.id} data-term={t.id}>
                <Table.Td w={220} fw={600}>
                  {t.term}
                  <Text size="xs" c="dimmed">
                    {TERM_KIND[t.kind]}
                  </Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: "pre-wrap" }}>{t.definition}</Table.Td>
                {canEdit ? (
                  <Table.Td w={110}>
                    <Button size="compact-xs" variant="subtle" onClick={() => setEditing(t)} aria-label={`Изменить: ${t.term}`}>
                      Изменить
                    </Button>
                  </Table.Td>
                ) : null}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {editing ? <TermModal term={editing === "new" ? null : editing} onClose={() => setEditing(null)} /> : null}
    </Stack>
  );
}

function TermModal({ term, onClose }: { term: Term | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [key] = useState(newIdempotencyKey);
  const [form, setForm] = useState({ kind: term?.kind ?? ("term" as TermKind), term: term?.term ?? "", definition: term?.definition ?? "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: async () =>
      term
        ? unwrap(await api.PATCH("/api/v1/reference/terms/{term_id}", { params: { path: { term_id: term.id }, header: ifMatch(term.version) }, body: form }))
        : unwrap(await api.POST("/api/v1/reference/terms", { params: { header: { "Idempotency-Key": key } }, body: form })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["reference"] });
      onClose();
    },
    onError: (error) => onProblem(error, setErrors, ["kind", "term", "definition"]),
  });
  return (
    <FormModal
      title={term ? `Термин: ${term.term}` : "Новый термин"}
      onClose={onClose}
      onSubmit={() => {
        setErrors({});
        save.mutate();
      }}
      saving={save.isPending}
    >
          <Select label="Вид" value={form.kind} allowDeselect={false} error={errors.kind}
            data={(Object.keys(TERM_KIND) as TermKind[]).map((k) => ({ value: k, label: TERM_KIND[k] }))}
            onChange={(v) => v && setForm({ ...form, kind: v as TermKind })} />
          <TextInput label="Термин" required value={form.term} error={errors.term} onChange={(e) => setForm({ ...form, term: e.currentTarget.value })} data-autofocus />
          <Textarea label="Определение" required autosize minRows={3} value={form.definition} error={errors.definition} onChange={(e) => setForm({ ...form, definition: e.currentTarget.value })} />
    </FormModal>
  );
}
