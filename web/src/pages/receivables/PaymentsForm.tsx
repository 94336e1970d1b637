import { Checkbox, Select, Text, TextInput, Textarea } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";

import { api, newIdempotencyKey } from "../../api/client";
import { ApiProblem, unwrap } from "../../api/problem";
import { DayInput } from "../../components/WhenInput";
import { FormModal } from "../../components/FormModal";
import { useCompany } from "../../lib/company";
import { formatMoney, parseMoney } from "../../lib/format";
import { useProblemHandler } from "../../lib/problems";
import { formatDay } from "./days";
import { ClientSelect } from "./PaymentsClientSelect";

/** The fields a problem may name, as the form shows them (an invoice's allocation beside the invoice). */
const FIELD_OF: Record<string, string> = {
  client_id: "client_id",
  amount: "amount",
  paid_on: "paid_on",
  reference: "reference",
  comment: "comment",
  allocations: "invoice",
  "allocations.invoice_id": "invoice",
  "allocations.amount": "invoice",
};

/** The client's approved invoices with something still owed, the oldest due first. */
function useOpenInvoices(clientId: number | null) {
  return useQuery({
    queryKey: ["invoices", "open", clientId],
    enabled: clientId !== null,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/invoices", { params: { query: { client_id: clientId ?? 0, limit: 100 } }, signal })),
    select: (page) =>
      page.items
        .filter((i) => i.status === "approved" && Number(i.outstanding) > 0)
        .sort((a, b) => (a.due_on ?? "9999").localeCompare(b.due_on ?? "9999")),
  });
}

/**
 * «Внести оплату»: a payment from the bank statement — the client, the sum as it is written
 * («1 960,50»), the day the money came, the payment order, and the invoice it pays if the order names
 * one (else the oldest debt first). A problem stands beside its field; the payment's page shows
 * what it paid.
 */
export function PaymentForm({ clientId, onClose }: { clientId: number | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const onProblem = useProblemHandler();
  const today = useCompany().data?.today;
  // One key per attempt the API refused: it created nothing, and the corrected form is another body.
  const [key, setKey] = useState(newIdempotencyKey);
  const [client, setClient] = useState<number | null>(clientId);
  const [amount, setAmount] = useState("");
  const [paidOn, setPaidOn] = useState(today ?? "");
  const [reference, setReference] = useState("");
  const [invoice, setInvoice] = useState<string | null>(null);
  const [advance, setAdvance] = useState(false);
  const [comment, setComment] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const invoices = useOpenInvoices(client);

  const record = useMutation({
    mutationFn: async (sum: string) =>
      unwrap(
        await api.POST("/api/v1/payments", {
          params: { header: { "Idempotency-Key": key } },
          body: {
            client_id: client ?? 0,
            amount: sum,
            paid_on: paidOn,
            reference: reference.trim() || null,
            allocations: invoice ? [{ invoice_id: Number(invoice), amount: sum }] : null,
            keep_overpayment: advance,
            comment: comment.trim() || null,
          },
        }),
      ),
    onSuccess: (payment) => {
      void queryClient.invalidateQueries({ queryKey: ["payments"] });
      void queryClient.invalidateQueries({ queryKey: ["invoices"] });
      void queryClient.invalidateQueries({ queryKey: ["clients", payment.client_id, "ledger"] });
      void queryClient.invalidateQueries({ queryKey: ["collection-cases"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
      onClose();
      void navigate({ to: "/payments/$paymentId", params: { paymentId: payment.id } });
    },
    onError: (error) => {
      if (error instanceof ApiProblem && error.status === 422) {
        setKey(newIdempotencyKey());
        const said = error.fieldErrors();
        const shown: Record<string, string> = {};
        for (const [field, reason] of Object.entries(said)) {
          const mine = FIELD_OF[field];
          if (mine) shown[mine] = reason;
        }
        // The API's reasons in the department's words, where the form knows what they mean.
        if ((error.problem?.errors ?? []).some((e) => e.code === "overpayment")) {
          shown.amount = "Больше, чем клиент должен: уменьшите сумму или оставьте переплату авансом";
        }
        const chosen = invoices.data?.find((i) => String(i.id) === invoice);
        if ("allocations.amount" in said && chosen) {
          shown.invoice = `Больше, чем осталось оплатить по счёту: ${formatMoney(chosen.outstanding)}`;
        } else if ("allocations.invoice_id" in said) {
          shown.invoice = "Счёт уже оплачен или выставлен не этому клиенту";
        } else if ("allocations" in said) {
          shown.invoice = "Сумма больше счёта: оставьте переплату авансом или не указывайте счёт";
        }
        if (Object.keys(shown).length === Object.keys(said).length) {
          setErrors(shown);
          return;
        }
      }
      onProblem(error, setErrors, Object.values(FIELD_OF));
    },
  });

  const submit = () => {
    const sum = parseMoney(amount);
    const mine: Record<string, string> = {};
    if (client === null) mine.client_id = "Выберите клиента";
    if (sum === null) mine.amount = "Сумма в рублях и копейках, например 1 960,50";
    else if (Number(sum) <= 0) mine.amount = "Сумма должна быть больше нуля";
    if (!paidOn) mine.paid_on = "Дата по выписке банка";
    setErrors(mine);
    if (Object.keys(mine).length === 0 && sum !== null) record.mutate(sum);
  };

  const options = (invoices.data ?? []).map((i) => ({
    value: String(i.id),
    label: `№ ${i.number}, срок ${formatDay(i.due_on)}, долг ${formatMoney(i.outstanding)}`,
  }));
  return (
    <FormModal title="Внести оплату" onClose={onClose} onSubmit={submit} saving={record.isPending}>
      <ClientSelect label="Клиент" required value={client} autoFocus={clientId === null} error={errors.client_id}
        onChange={(id) => { setClient(id); setInvoice(null); }} />
      <TextInput label="Сумма, ₽" required placeholder="1 960,50" inputMode="decimal" value={amount}
        data-autofocus={clientId !== null || undefined}
        onChange={(e) => setAmount(e.currentTarget.value)} error={errors.amount} />
      <DayInput label="Дата оплаты" required value={paidOn} onChange={setPaidOn} maxDate={today} error={errors.paid_on} />
      <TextInput label="Платёжное поручение" placeholder="№ и назначение платежа" value={reference}
        onChange={(e) => setReference(e.currentTarget.value)} error={errors.reference} />
      <Select label="Счёт" placeholder={client === null ? "Сначала клиент" : "Не указан: старейший долг первым"}
        clearable disabled={client === null} data={options} value={invoice} onChange={setInvoice} error={errors.invoice}
        nothingFoundMessage="Нет неоплаченных счетов" />
      <Checkbox label="Оставить переплату авансом" checked={advance} onChange={(e) => setAdvance(e.currentTarget.checked)} />
      <Textarea label="Комментарий" autosize minRows={1} value={comment} onChange={(e) => setComment(e.currentTarget.value)}
        error={errors.comment} />
      {client !== null && invoices.data && invoices.data.length === 0 ? (
        <Text size="sm" c="dimmed">У клиента нет неоплаченных счетов: оплата станет авансом.</Text>
      ) : null}
    </FormModal>
  );
}
