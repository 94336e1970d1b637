import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  List,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";

import { api, ifMatch } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useEmployeeNames } from "../../lib/employees";
import { formatDate, formatDateTime, formatMoney, parseDecimal } from "../../lib/format";
import { useMe } from "../../lib/me";
import { useProblemHandler } from "../../lib/problems";
import { AnchorLink } from "./AnchorLink";
import { DayInput } from "../../components/WhenInput";
import { PROPOSAL_ACTION, PROPOSAL_STAGE, PROPOSAL_STATUS } from "./labels";
import { AddLine, EDITABLE, LinesTable } from "./Lines";
import { blobOf, PdfFrame } from "../../components/PdfFrame";
import { FormModal } from "../../components/FormModal";
import { NotLoaded } from "../../components/NotLoaded";

type Proposal = components["schemas"]["ProposalRead"];
type Client = components["schemas"]["ClientRead"];

/** A date of the API (`YYYY-MM-DD`) as «07.12.2026». */
function day(value: string | null | undefined): string {
  return value ? formatDate(`${value}T12:00:00Z`) : "—";
}

/** One proposal: the request, the lines and their prices, the PDF, the way to the client and the order. */
export function ProposalPage() {
  const { proposalId } = useParams({ from: "/app/proposals/$proposalId" });
  const me = useMe();
  const permissions = new Set(me.data?.permissions ?? []);
  const names = useEmployeeNames();
  const proposal = useQuery({
    queryKey: ["proposals", proposalId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/proposals/{proposal_id}", { params: { path: { proposal_id: proposalId } }, signal })),
  });
  const client = useQuery({
    queryKey: ["clients", proposal.data?.client_id],
    // Supply prices proposals but does not read the clients' cards.
    enabled: proposal.data !== undefined && permissions.has("clients:read"),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/clients/{client_id}", { params: { path: { client_id: proposal.data?.client_id ?? 0 } }, signal }),
      ),
  });
  if (!proposal.isSuccess) return <NotLoaded query={proposal} what="КП" />;
  const p = proposal.data;
  const staff = permissions.has("proposals:write") || permissions.has("proposals:price");
  const editable = permissions.has("proposals:write") && EDITABLE.has(p.status);
  return (
    <Stack maw={1180}>
      <Group gap="sm">
        <Title order={2}>КП №{p.id}</Title>
        <Badge size="lg" data-testid="proposal-status">
          {PROPOSAL_STATUS[p.status]}
        </Badge>
        {p.revision > 1 ? <Badge variant="light">редакция {p.revision}</Badge> : null}
      </Group>
      <Text size="sm" data-testid="proposal-terms">
        {client.data ? (
          <AnchorLink to="/clients/$clientId" params={{ clientId: p.client_id }}>
            {client.data.name}
          </AnchorLink>
        ) : (
          `Клиент №${p.client_id}`
        )}
        {" · "}
        {p.workwear_kind}, моделей: {p.models_count} · наценка {p.markup_percent.replace(".", ",")} % · срок {formatDateTime(p.due_at)}
        {p.valid_until ? ` · действует до ${day(p.valid_until)}` : ""}
      </Text>
      <Text size="sm" c="dimmed">
        Менеджер: {names.data?.get(p.manager_id) ?? "—"} · Помощник: {names.data?.get(p.assistant_id) ?? "—"}
        {p.sent_to ? ` · отправлено: ${p.sent_to}` : ""}
      </Text>
      {p.comment ? <Text size="sm">{p.comment}</Text> : null}
      <Group gap="lg" data-testid="proposal-totals">
        <Text fw={600}>Итого: {p.total !== null ? formatMoney(p.total) : "— (не все цены)"}</Text>
        {staff ? <Text c="dimmed">Маржа: {formatMoney(p.margin_total)}</Text> : null}
      </Group>
      {p.order_id !== null ? (
        <Alert color="green" title="Оформлено" data-testid="proposal-order">
          <AnchorLink to="/orders/$orderId" params={{ orderId: p.order_id }}>
            Заявка №{p.order_id}
          </AnchorLink>
          {p.invoice_id !== null ? " и счёт к ней" : " (счёт — после приёма заявки)"}
        </Alert>
      ) : null}
      {p.below_cost_pending_positions.length > 0 ? (
        <Alert color="red" title="Ждёт решения руководителя" data-testid="below-cost-pending">
          Цена ниже закупочной (позиции: {p.below_cost_pending_positions.join(", ")}): пока руководитель её не
          согласует или не отклонит, КП не отправить ни менеджеру, ни клиенту.
        </Alert>
      ) : null}
      <Group gap="xs">
        <Actions proposal={p} client={client.data} />
        {editable ? <TermsButton proposal={p} /> : null}
      </Group>
      <Title order={3} size="h4">
        Позиции
      </Title>
      <LinesTable proposal={p} permissions={permissions} />
      {editable ? <AddLine proposal={p} /> : null}
      <Documents proposal={p} />
      <ProposalPdf proposal={p} />
    </Stack>
  );
}

type Asking = "send-to-manager" | "approve" | "send-to-client" | "accept" | "decline";

/** The proposal's actions as buttons: exactly those `allowed_actions` lists, each asking what it needs. */
function Actions({ proposal, client }: { proposal: Proposal; client: Client | undefined }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [asking, setAsking] = useState<Asking | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const act = useMutation({
    mutationFn: async ({ action, body }: { action: string; body?: object }) => {
      // The action is the last segment of POST /proposals/{id}/<action>: not one of the typed paths.
      const post = api.POST as unknown as (
        path: string,
        init: { params: { path: { proposal_id: number }; header: Record<string, string> }; body?: object },
      ) => Promise<{ data?: Proposal; error?: unknown; response: Response }>;
      return unwrap(
        await post(`/api/v1/proposals/{proposal_id}/${action}`, {
          params: { path: { proposal_id: proposal.id }, header: ifMatch(proposal.version) },
          body,
        }),
      );
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(["proposals", proposal.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["proposals"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
      setAsking(null);
    },
    onError: (e) => onProblem(e, setErrors, ["note", "comment", "email", "contact_id", "valid_until"]),
  });
  const run = (action: string, body?: object) => {
    setErrors({});
    act.mutate({ action, body });
  };
  return (
    <>
      {proposal.allowed_actions.length > 0 ? (
        <Group gap="xs" data-testid="proposal-actions">
          {proposal.allowed_actions.map((action) => {
            const name = action.replaceAll("_", "-");
            return (
              <Button
                key={name}
                color={name === "decline" ? "red" : undefined}
                variant={name === "decline" ? "light" : "filled"}
                loading={act.isPending && act.variables.action === name}
                onClick={() => (name === "convert" ? run("convert") : setAsking(name as Asking))}
              >
                {PROPOSAL_ACTION[name] ?? name}
              </Button>
            );
          })}
        </Group>
      ) : null}
      {asking === "send-to-client" ? (
        <SendToClientModal proposal={proposal} client={client} busy={act.isPending} errors={errors}
          onClose={() => setAsking(null)} onSubmit={(body) => run("send-to-client", body)} />
      ) : asking ? (
        <NoteModal
          title={PROPOSAL_ACTION[asking] ?? asking}
          field={asking === "send-to-manager" ? "note" : "comment"}
          label={asking === "send-to-manager" ? "Сопроводительный текст" : "Комментарий"}
          busy={act.isPending}
          error={errors.note ?? errors.comment}
          onClose={() => setAsking(null)}
          onSubmit={(text) => run(asking, asking === "send-to-manager" ? { note: text || null } : { comment: text || null })}
        />
      ) : null}
    </>
  );
}

function NoteModal({ title, label, busy, error, onClose, onSubmit }: {
  title: string;
  field: string;
  label: string;
  busy: boolean;
  error: string | undefined;
  onClose: () => void;
  onSubmit: (text: string) => void;
}) {
  const [text, setText] = useState("");
  return (
    <Modal opened onClose={onClose} title={title}>
      <form onSubmit={(e) => { e.preventDefault(); onSubmit(text.trim()); }}>
        <Stack>
          <Textarea label={label} autosize minRows={2} value={text} onChange={(e) => setText(e.currentTarget.value)} error={error} data-autofocus />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Назад</Button>
            <Button type="submit" loading={busy}>Подтвердить</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** To the client: one of its contacts with an email, or another address the manager gave. */
function SendToClientModal({ proposal, client, busy, errors, onClose, onSubmit }: {
  proposal: Proposal;
  client: Client | undefined;
  busy: boolean;
  errors: Record<string, string>;
  onClose: () => void;
  onSubmit: (body: components["schemas"]["ProposalSendToClient"]) => void;
}) {
  const contacts = (client?.contacts ?? []).filter((c) => c.emails.length > 0);
  const [to, setTo] = useState<"contact" | "email">(contacts.length > 0 ? "contact" : "email");
  const [contactId, setContactId] = useState<string | null>(
    contacts.some((c) => c.id === proposal.contact_id) ? String(proposal.contact_id) : (contacts[0] ? String(contacts[0].id) : null),
  );
  const [email, setEmail] = useState("");
  const [validUntil, setValidUntil] = useState(proposal.valid_until ?? "");
  const [note, setNote] = useState("");
  const ready = to === "contact" ? contactId !== null : email.trim() !== "";
  return (
    <Modal opened onClose={onClose} title="Отправить КП клиенту" size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!ready) return;
          onSubmit({
            contact_id: to === "contact" ? Number(contactId) : null,
            email: to === "email" ? email.trim() : null,
            valid_until: validUntil || null,
            note: note.trim() || null,
          });
        }}
      >
        <Stack>
          <SegmentedControl
            w="fit-content"
            value={to}
            onChange={(v) => setTo(v as typeof to)}
            data={[
              { value: "contact", label: "Контакту клиента", disabled: contacts.length === 0 },
              { value: "email", label: "На другой адрес" },
            ]}
          />
          {to === "contact" ? (
            <Select
              label="Контакт"
              data={contacts.map((c) => ({ value: String(c.id), label: `${c.name} — ${c.emails[0] ?? ""}` }))}
              value={contactId}
              onChange={setContactId}
              error={errors.contact_id}
            />
          ) : (
            <TextInput label="E-mail" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={errors.email} data-autofocus />
          )}
          <DayInput label="Действует до" description="По умолчанию — срок из настроек" value={validUntil}
            onChange={setValidUntil} error={errors.valid_until} />
          <Textarea label="Сопроводительный текст" autosize minRows={2} value={note} onChange={(e) => setNote(e.currentTarget.value)} error={errors.note} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Назад</Button>
            <Button type="submit" loading={busy} disabled={!ready}>Отправить</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The request's terms: markup (lines priced by markup follow it), validity, comment. */
function TermsButton({ proposal }: { proposal: Proposal }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [open, setOpen] = useState(false);
  const [markup, setMarkup] = useState(proposal.markup_percent);
  const [validUntil, setValidUntil] = useState(proposal.valid_until ?? "");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH("/api/v1/proposals/{proposal_id}", {
          params: { path: { proposal_id: proposal.id }, header: ifMatch(proposal.version) },
          body: { markup_percent: parseDecimal(markup, 2) ?? markup.trim(), ...(validUntil ? { valid_until: validUntil } : {}) },
        }),
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(["proposals", proposal.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["proposals"] });
      setOpen(false);
    },
    onError: (e) => onProblem(e, setErrors, ["markup_percent", "valid_until"]),
  });
  return (
    <>
      <Button variant="default" onClick={() => setOpen(true)}>
        Условия
      </Button>
      {open ? (
        <FormModal
          title={`Условия КП №${proposal.id}`}
          onClose={() => setOpen(false)}
          onSubmit={() => {
            setErrors({});
            save.mutate();
          }}
          saving={save.isPending}
        >
          <TextInput label="Наценка, %" inputMode="decimal" value={markup} onChange={(e) => setMarkup(e.currentTarget.value)} error={errors.markup_percent} data-autofocus />
          <DayInput label="Действует до" value={validUntil} onChange={setValidUntil} error={errors.valid_until} />
        </FormModal>
      ) : null}
    </>
  );
}

/** Every revision as it was sent, to the manager and to the client, each PDF opened as sent. */
function Documents({ proposal }: { proposal: Proposal }) {
  const docs = useQuery({
    queryKey: ["proposals", proposal.id, "documents", proposal.version],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/proposals/{proposal_id}/documents", { params: { path: { proposal_id: proposal.id } }, signal })).items,
  });
  const open = async (documentId: number) => {
    const { data, response } = await api.GET("/api/v1/proposals/{proposal_id}/documents/{document_id}/pdf", {
      params: { path: { proposal_id: proposal.id, document_id: documentId } },
      parseAs: "blob",
    });
    if (!response.ok || !(data instanceof Blob)) return;
    const url = URL.createObjectURL(data);
    window.open(url, "_blank", "noopener");
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  if (!docs.data?.length) return null;
  return (
    <section aria-label="Отправленные PDF" data-testid="proposal-documents">
      <Title order={3} size="h4" mb="xs">
        Отправленные PDF
      </Title>
      <List size="sm">
        {docs.data.map((d) => (
          <List.Item key={d.id} data-document={d.id}>
            <Anchor component="button" type="button" onClick={() => void open(d.id)}>
              Редакция {d.revision} — {PROPOSAL_STAGE[d.stage]}
            </Anchor>{" "}
            <Text span size="sm" c="dimmed">
              {d.recipient} · {formatMoney(d.total)} · {formatDateTime(d.created_at)}
            </Text>
          </List.Item>
        ))}
      </List>
    </section>
  );
}

/** The proposal as it prints now, fetched with the token and shown in the page. */
function ProposalPdf({ proposal }: { proposal: Proposal }) {
  // The document prints once every line has its price.
  if (proposal.lines.length === 0) return null;
  if (proposal.unpriced_positions.length > 0) {
    return (
      <Text size="sm" c="dimmed">
        PDF будет, когда у всех позиций появятся цены (ждут: {proposal.unpriced_positions.join(", ")}).
      </Text>
    );
  }
  return (
    <section aria-label="PDF">
      <Title order={3} size="h4" mb="xs">
        Как напечатается
      </Title>
      <PdfFrame
        queryKey={["proposals", proposal.id, "pdf", proposal.version]}
        load={async (signal) =>
          blobOf(
            await api.GET("/api/v1/proposals/{proposal_id}/pdf", {
              params: { path: { proposal_id: proposal.id } },
              parseAs: "blob",
              signal,
            }),
            "PDF",
          )
        }
        title={`КП №${proposal.id}, PDF`}
        testId="proposal-pdf"
        failed="Не удалось получить PDF предложения"
      />
    </section>
  );
}
