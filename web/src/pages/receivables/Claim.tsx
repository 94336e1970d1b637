import { Alert, Button, Group, Stack, Table, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch } from "../../api/client";
import { unwrap } from "../../api/problem";
import { blobOf, PdfFrame } from "../../components/PdfFrame";
import type { components } from "../../api/schema";
import { formatDateTime, formatMoney } from "../../lib/format";
import { useProblemHandler } from "../../lib/problems";
import { percent } from "../penalty/text";
import { formatDay } from "./days";

type Case = components["schemas"]["CaseRead"];

type Period = {
  invoice: string;
  start: string;
  end: string;
  days: number;
  principal: string;
  rate: string;
  days_in_year: number | null;
  amount: string;
};

/** The claim letter: the lawyer's editor, the penalty table it carries, and its PDF in the page. */
export function ClaimSection({ c }: { c: Case }) {
  if (c.claim_view === null || c.claim_text === null) {
    if (c.claim_error) return <Alert color="red" title="Претензия не подготовлена">{c.claim_error}</Alert>;
    if (c.claim_requested_on) return <Text size="sm">Черновик претензии готовится.</Text>;
    return null;
  }
  const view = c.claim_view as { number: string; basis: string; until: string; debt: string; penalty: string; total: string; periods: Period[] };
  return (
    <Stack gap="xs" data-testid="claim">
      <Title order={3}>Претензия № {view.number}</Title>
      <Text size="sm">
        Долг {formatMoney(view.debt)} · {view.basis === "contract" ? "неустойка по договору" : "проценты по ст. 395 ГК РФ"} по{" "}
        {formatDay(view.until)}: {formatMoney(view.penalty)} · всего <b>{formatMoney(view.total)}</b>
        {c.claim_approved_at ? ` · утверждена ${formatDateTime(c.claim_approved_at)}` : ""}
      </Text>
      <Table withTableBorder striped data-testid="claim-periods">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Счёт</Table.Th>
            <Table.Th>Период</Table.Th>
            <Table.Th ta="right">Дней</Table.Th>
            <Table.Th ta="right">Долг</Table.Th>
            <Table.Th ta="right">Ставка</Table.Th>
            <Table.Th ta="right">Сумма</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {view.periods.map((p, i) => (
            <Table.Tr key={i}>
              <Table.Td>{p.invoice}</Table.Td>
              <Table.Td>
                {formatDay(p.start)} – {formatDay(p.end)}
              </Table.Td>
              <Table.Td ta="right">{p.days}</Table.Td>
              <Table.Td ta="right">{formatMoney(p.principal)}</Table.Td>
              <Table.Td ta="right">
                {percent(p.rate)}
                {p.days_in_year ? ` / ${p.days_in_year}` : " в день"}
              </Table.Td>
              <Table.Td ta="right">{formatMoney(p.amount)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {c.allowed_actions.includes("claim") ? <ClaimEditor key={c.version} c={c} /> : null}
      <ClaimPdf c={c} />
    </Stack>
  );
}

function ClaimEditor({ c }: { c: Case }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const view = c.claim_view as { contract: string | null };
  const [text, setText] = useState(c.claim_text ?? "");
  const [contract, setContract] = useState(view.contract ?? "");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH("/api/v1/collection-cases/{case_id}/claim", {
          params: { path: { case_id: c.id }, header: ifMatch(c.version) },
          body: { text, contract: contract.trim() || null },
        }),
      ),
    onSuccess: async (updated) => {
      setErrors({});
      queryClient.setQueryData(["collection-cases", c.id], updated);
      await queryClient.invalidateQueries({ queryKey: ["collection-cases"] });
    },
    onError: (error) => onProblem(error, setErrors, ["text", "contract"]),
  });
  const changed = text !== (c.claim_text ?? "") || contract !== (view.contract ?? "");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Stack gap="xs">
        <TextInput label="Основание (договор)" placeholder="договора поставки № 12/2026 от 10.01.2026" value={contract}
          error={errors.contract} onChange={(e) => setContract(e.currentTarget.value)} />
        <Textarea label="Текст претензии" autosize minRows={6} maxRows={16} value={text} error={errors.text}
          onChange={(e) => setText(e.currentTarget.value)} data-testid="claim-text" />
        <Group>
          <Button type="submit" variant="light" disabled={!changed} loading={save.isPending}>
            Сохранить текст
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The claim's PDF (a preview of the draft, or the letter as sent), shown in the page. */
function ClaimPdf({ c }: { c: Case }) {
  return (
    <PdfFrame
      queryKey={["collection-cases", c.id, "claim-pdf", c.version, c.claim_pdf_sha256]}
      load={async (signal) =>
        blobOf(
          await api.GET("/api/v1/collection-cases/{case_id}/claim.pdf", { params: { path: { case_id: c.id } }, parseAs: "blob", signal }),
          "PDF",
        )
      }
      title="Претензия, PDF"
      failed="PDF претензии не получен"
      testId="claim-pdf"
    />
  );
}
