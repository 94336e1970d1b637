import { Alert, Button, Group, SegmentedControl, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useCompany } from "../../lib/company";
import { formatMoney, parseDecimal, parseMoney } from "../../lib/format";
import { DayInput } from "../../components/WhenInput";
import { useProblemHandler } from "../../lib/problems";
import { formatDay } from "../receivables/days";
import { penaltyText, percent } from "./text";

type Method = components["schemas"]["PenaltyCalculate"]["method"];
type Result = components["schemas"]["PenaltyResult"];
type PaymentRow = { date: string; amount: string };

const FIELDS = ["principal", "due_date", "until", "rate_per_day_percent", "cap_percent", "payments.date", "payments.amount"];

/** «Калькулятор неустойки»: interest under art. 395 of the Civil Code or the contract's penalty for
 * one debt, with its payments and the 2022 moratorium; the periods table and the total, copied as
 * text for a letter. Nothing is stored. */
export function PenaltyPage() {
  const company = useCompany();
  const onProblem = useProblemHandler();
  const [method, setMethod] = useState<Method>("key_rate");
  const [principal, setPrincipal] = useState("");
  const [due, setDue] = useState("");
  const [until, setUntil] = useState(company.data?.today ?? "");
  const [rate, setRate] = useState("0.1");
  const [cap, setCap] = useState("");
  const [moratorium, setMoratorium] = useState(true);
  const [payments, setPayments] = useState<PaymentRow[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const calc = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/penalties/calculate", {
          body: {
            method,
            // What is no sum or rate goes as typed: the API names the field and why.
            principal: parseMoney(principal) ?? principal.trim(),
            due_date: due,
            until,
            payments: payments.map((p) => ({ date: p.date, amount: parseMoney(p.amount) ?? p.amount.trim() })),
            rate_per_day_percent: method === "contractual" ? (parseDecimal(rate, 4) ?? rate.trim()) : null,
            cap_percent: method === "contractual" && cap.trim() ? (parseDecimal(cap, 2) ?? cap.trim()) : null,
            moratorium_2022: moratorium,
          },
        }),
      ),
    onSuccess: () => setErrors({}),
    onError: (error) => onProblem(error, setErrors, FIELDS),
  });
  const result: Result | undefined = calc.data;
  const copy = async () => {
    if (!result) return;
    await navigator.clipboard.writeText(penaltyText(result, parseMoney(principal) ?? principal));
    notifications.show({ color: "green", message: "Расчёт скопирован: вставьте его в письмо" });
  };
  const setPayment = (i: number, patch: Partial<PaymentRow>) =>
    setPayments((all) => all.map((p, j) => (j === i ? { ...p, ...patch } : p)));

  return (
    <Stack maw={1100}>
      <Title order={2}>Калькулятор неустойки</Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          calc.mutate();
        }}
      >
        <Stack gap="sm">
          <SegmentedControl
            w="fit-content"
            value={method}
            onChange={(v) => setMethod(v as Method)}
            data={[
              { value: "key_rate", label: "Проценты по ст. 395 ГК РФ" },
              { value: "contractual", label: "Неустойка по договору" },
            ]}
          />
          <Group align="flex-start">
            <TextInput label="Сумма долга, ₽" required w={180} value={principal} error={errors.principal}
              onChange={(e) => setPrincipal(e.currentTarget.value)} data-testid="penalty-principal" />
            <DayInput label="Срок оплаты" required w={170} value={due} error={errors.due_date} onChange={setDue} />
            <DayInput label="Считать по (включительно)" required w={200} value={until} error={errors.until} onChange={setUntil} />
            {method === "contractual" ? (
              <>
                <TextInput label="Ставка, % в день" required w={140} value={rate} error={errors.rate_per_day_percent}
                  onChange={(e) => setRate(e.currentTarget.value)} />
                <TextInput label="Не более, % долга" w={150} value={cap} error={errors.cap_percent}
                  onChange={(e) => setCap(e.currentTarget.value)} />
              </>
            ) : null}
          </Group>
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Оплаты после срока
            </Text>
            {payments.map((p, i) => (
              <Group key={i} gap="xs" align="flex-start">
                <DayInput label={`Дата оплаты ${i + 1}`} w={170} value={p.date} error={errors["payments.date"]}
                  onChange={(date) => setPayment(i, { date })} />
                <TextInput label={`Сумма оплаты ${i + 1}`} placeholder="Сумма, ₽" w={180} value={p.amount}
                  error={errors["payments.amount"]} onChange={(e) => setPayment(i, { amount: e.currentTarget.value })} />
                <Button variant="subtle" color="red" mt={24} aria-label={`Убрать оплату ${i + 1}`}
                  onClick={() => setPayments((all) => all.filter((_, j) => j !== i))}>
                  Убрать
                </Button>
              </Group>
            ))}
            <Button variant="subtle" size="xs" w="fit-content" onClick={() => setPayments((all) => [...all, { date: "", amount: "" }])}>
              Добавить оплату
            </Button>
          </Stack>
          <Switch label="Мораторий 2022 года (постановление № 497)" checked={moratorium}
            onChange={(e) => setMoratorium(e.currentTarget.checked)} />
          <Group>
            <Button type="submit" loading={calc.isPending} disabled={!principal.trim() || !due || !until}>
              Рассчитать
            </Button>
          </Group>
        </Stack>
      </form>
      {result ? <PenaltyResultView result={result} onCopy={() => void copy()} /> : null}
    </Stack>
  );
}

function PenaltyResultView({ result, onCopy }: { result: Result; onCopy: () => void }) {
  const yearly = result.method === "key_rate";
  return (
    <Stack gap="xs" data-testid="penalty-result">
      <Group justify="space-between">
        <Text size="lg">
          Итого: <b data-testid="penalty-total">{formatMoney(result.total)}</b> за {result.days} дн. (просрочка с{" "}
          {formatDay(result.accrues_from)})
        </Text>
        <Button variant="light" onClick={onCopy}>
          Копировать
        </Button>
      </Group>
      {result.cap_amount !== null && result.total !== result.uncapped_total ? (
        <Text size="sm">
          Ограничено договором: не более {formatMoney(result.cap_amount)} (без ограничения {formatMoney(result.uncapped_total)}).
        </Text>
      ) : null}
      {result.key_rate_total !== null ? (
        <Text size="sm" c="dimmed">
          Для сравнения, по ст. 395 ГК РФ: {formatMoney(result.key_rate_total)} (ниже этой суммы суд по ст. 333 не снижает).
        </Text>
      ) : null}
      {result.unconfirmed_rates.length > 0 ? (
        <Alert color="orange">
          Ключевые ставки с {result.unconfirmed_rates.map(formatDay).join(", ")} ещё не сверены с Банком России: проверьте расчёт.
        </Alert>
      ) : null}
      <Table withTableBorder striped data-testid="penalty-periods">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Период</Table.Th>
            <Table.Th ta="right">Дней</Table.Th>
            <Table.Th ta="right">Задолженность</Table.Th>
            <Table.Th ta="right">{yearly ? "Ставка" : "Ставка в день"}</Table.Th>
            {yearly ? <Table.Th ta="right">Дней в году</Table.Th> : null}
            <Table.Th ta="right">{yearly ? "Проценты" : "Неустойка"}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {result.periods.map((p, i) => (
            <Table.Tr key={i}>
              <Table.Td>
                {formatDay(p.from)} – {formatDay(p.to)}
              </Table.Td>
              <Table.Td ta="right">{p.days}</Table.Td>
              <Table.Td ta="right">{formatMoney(p.principal)}</Table.Td>
              <Table.Td ta="right">{percent(p.rate_percent)}</Table.Td>
              {yearly ? <Table.Td ta="right">{p.days_in_year}</Table.Td> : null}
              <Table.Td ta="right">{formatMoney(p.amount)}</Table.Td>
            </Table.Tr>
          ))}
          {result.excluded.map((e, i) => (
            <Table.Tr key={`x${i}`}>
              <Table.Td>
                {formatDay(e.from)} – {formatDay(e.to)}
              </Table.Td>
              <Table.Td ta="right">{e.days}</Table.Td>
              <Table.Td colSpan={yearly ? 4 : 3}>мораторий 2022 года: не начисляется</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
