import { Anchor, Badge, Card, Group, SimpleGrid, Stack, Switch, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useClientName } from "../../lib/clients";
import { formatMoney } from "../../lib/format";
import { daysText } from "./days";
import { STAGE, STAGES } from "./labels";
import { NotLoaded } from "../../components/NotLoaded";

type Case = components["schemas"]["CaseRead"];

/** The cases of one page: the board shows the open ones, which a department has a few dozen of. */
const LIMIT = 200;

/** Kopecks of a decimal string, to add sums exactly. */
function kopecks(value: string): bigint {
  const [whole = "0", fraction = ""] = value.replace("-", "").split(".");
  const k = BigInt(whole) * 100n + BigInt((fraction + "00").slice(0, 2));
  return value.startsWith("-") ? -k : k;
}

function rubles(k: bigint): string {
  const sign = k < 0n ? "-" : "";
  const a = k < 0n ? -k : k;
  return `${sign}${a / 100n}.${String(a % 100n).padStart(2, "0")}`;
}

/** «Дебиторка»: the collection cases as a board by the regulation's stage, each card with the
 * overdue debt and the days of delay, the most overdue first. */
export function CasesPage() {
  const [closed, setClosed] = useState(false);
  const cases = useQuery({
    queryKey: ["collection-cases", "board"],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/collection-cases", { params: { query: { limit: LIMIT } }, signal })),
  });
  if (!cases.isSuccess) return <NotLoaded query={cases} what="дела" />;
  const stages = STAGES.filter((s) => closed || s !== "closed");
  return (
    <Stack maw={1100}>
      <Group justify="space-between">
        <Title order={2}>Дебиторка</Title>
        <Group gap="md">
          <Anchor component={Link} to="/penalty" size="sm">
            Калькулятор неустойки
          </Anchor>
          <Switch label="Показать закрытые" checked={closed} onChange={(e) => setClosed(e.currentTarget.checked)} />
        </Group>
      </Group>
      <SimpleGrid cols={5} spacing="xs" data-testid="case-board">
        {stages.map((stage) => {
          const here = cases.data.items
            .filter((c) => c.stage === stage)
            .sort((a, b) => b.days_overdue - a.days_overdue);
          const total = here.reduce((sum, c) => sum + kopecks(c.overdue_debt), 0n);
          return (
            <Stack key={stage} gap={6} data-stage={stage} bg="gray.0" p={6} style={{ borderRadius: 6, minWidth: 0 }}>
              <Text size="sm" fw={600} lh={1.2}>
                {STAGE[stage]}
              </Text>
              <Text size="xs" c="dimmed">
                {here.length} · {formatMoney(rubles(total))}
              </Text>
              {here.map((c) => (
                <CaseCard key={c.id} c={c} />
              ))}
            </Stack>
          );
        })}
      </SimpleGrid>
    </Stack>
  );
}

function CaseCard({ c }: { c: Case }) {
  const name = useClientName(c.client_id);
  return (
    <Card withBorder padding={6} data-testid="case-card" data-case={c.id}>
      <Anchor
        renderRoot={(props) => <Link {...props} to="/receivables/$caseId" params={{ caseId: c.id }} />}
        size="sm"
        fw={600}
        lh={1.2}
        style={{ overflowWrap: "anywhere" }}
      >
        {name.data ?? `Клиент №${c.client_id}`}
      </Anchor>
      <Group gap={4} justify="space-between" wrap="nowrap" mt={4}>
        <Text size="xs" data-testid="case-debt">
          {formatMoney(c.overdue_debt)}
        </Text>
        <Badge size="xs" color={c.days_overdue > 30 ? "red" : c.days_overdue > 0 ? "orange" : "gray"} data-testid="case-days">
          {daysText(c.days_overdue)}
        </Badge>
      </Group>
    </Card>
  );
}
