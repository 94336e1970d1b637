import { NumberInput, Select, Stack, Textarea, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";

import { api, newIdempotencyKey } from "../../api/client";
import { parseDecimal, parseMoney } from "../../lib/format";
import { ApiProblem, unwrap } from "../../api/problem";
import { FormModal } from "../../components/FormModal";
import { useClientName, useClientSearch } from "../../lib/clients";
import { useProblemHandler } from "../../lib/problems";

const FIELDS = ["client_id", "deferment_days", "credit_limit", "discount_percent", "justification"];

/** A request for a deferment, a credit limit and a discount for one client; the page of the
 * request opens after, for its dossier. */
export function NewCreditRequest({ clientId, onClose }: { clientId?: number; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const onProblem = useProblemHandler();
  const [key, setKey] = useState(newIdempotencyKey);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [client, setClient] = useState<string | null>(clientId ? String(clientId) : null);
  const [query, setQuery] = useState("");
  const [debounced] = useDebouncedValue(query, 250);
  const found = useClientSearch(debounced);
  const fixedName = useClientName(clientId);
  const [daysValue, setDays] = useState<string | number>("");
  const [limit, setLimit] = useState("");
  const [discount, setDiscount] = useState("");
  const [reason, setReason] = useState("");

  const options = (found.data?.items ?? []).map((c) => ({ value: String(c.id), label: `${c.name} (ИНН ${c.inn})` }));
  if (clientId && !options.some((o) => o.value === String(clientId))) {
    options.unshift({ value: String(clientId), label: fixedName.data ?? `Клиент №${clientId}` });
  }

  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/credit-requests", {
          params: { header: { "Idempotency-Key": key } },
          body: {
            client_id: Number(client),
            deferment_days: Number(daysValue),
            // What cannot be read is sent as typed: the API refuses it beside its field.
            credit_limit: limit.trim() ? (parseMoney(limit) ?? limit.trim()) : null,
            discount_percent: discount.trim() ? (parseDecimal(discount, 2) ?? discount.trim()) : "0",
            justification: reason.trim(),
          },
        }),
      ),
    onSuccess: async (made) => {
      await queryClient.invalidateQueries({ queryKey: ["credit-requests"] });
      onClose();
      await navigate({ to: "/credit/$requestId", params: { requestId: made.id } });
    },
    onError: (error) => {
      // A refused body changed nothing: the corrected one is a new attempt, under a new key (the
      // same key with another body is refused as a reuse).
      if (error instanceof ApiProblem && error.status === 422) setKey(newIdempotencyKey());
      onProblem(error, setErrors, FIELDS);
    },
  });

  const submit = () => {
    // What the console can tell at once is said beside its field; the rest the API answers.
    const local: Record<string, string> = {};
    if (!client) local.client_id = "Выберите клиента";
    if (daysValue === "" || !Number.isInteger(Number(daysValue))) local.deferment_days = "Сколько дней отсрочки";
    if (limit.trim() && parseMoney(limit) === null) local.credit_limit = "Сумма в рублях, например 1 960,50";
    if (!reason.trim()) local.justification = "Почему клиенту нужны эти условия";
    setErrors(local);
    if (Object.keys(local).length === 0) create.mutate();
  };
  const clear = (field: string) =>
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([f]) => f !== field)));

  return (
    <FormModal title="Заявка на отсрочку платежа" onClose={onClose} onSubmit={submit} saving={create.isPending}>
      <Stack gap="sm">
        <Select
          label="Клиент"
          placeholder="Название или ИНН"
          required
          searchable
          data-autofocus
          value={client}
          onChange={(v) => {
            setClient(v);
            clear("client_id");
          }}
          searchValue={query}
          onSearchChange={setQuery}
          filter={({ options: all }) => all}
          nothingFoundMessage="Не найдено"
          data={options}
          error={errors.client_id}
        />
        <NumberInput
          label="Отсрочка, календарных дней"
          required
          min={1}
          max={365}
          allowDecimal={false}
          allowNegative={false}
          value={daysValue}
          onChange={(v) => {
            setDays(v);
            clear("deferment_days");
          }}
          error={errors.deferment_days}
        />
        <TextInput
          label="Кредитный лимит, ₽"
          description="Пусто — без лимита"
          placeholder="1 960,50"
          inputMode="decimal"
          value={limit}
          onChange={(e) => {
            setLimit(e.currentTarget.value);
            clear("credit_limit");
          }}
          error={errors.credit_limit}
        />
        <TextInput
          label="Скидка, %"
          placeholder="0"
          inputMode="decimal"
          value={discount}
          onChange={(e) => {
            setDiscount(e.currentTarget.value);
            clear("discount_percent");
          }}
          error={errors.discount_percent}
        />
        <Textarea
          label="Обоснование"
          description="История закупок, объёмы, обещания клиента"
          required
          autosize
          minRows={3}
          maxLength={5000}
          value={reason}
          onChange={(e) => {
            setReason(e.currentTarget.value);
            clear("justification");
          }}
          error={errors.justification}
        />
      </Stack>
    </FormModal>
  );
}
