import { Stack, Tabs, Title } from "@mantine/core";
import { useState } from "react";

import { useMe } from "../../lib/me";
import { Aging } from "./Aging";
import { DailyReports, MyDay } from "./Daily";

/**
 * «Отчёты»: the receivables by days overdue and DSO for the heads and finance; the day's report
 * for the assistant, the reports sent to the manager with their answer, and the period's spreadsheet.
 */
export function ReportsPage() {
  const me = useMe();
  const permissions = new Set(me.data?.permissions ?? []);
  const tabs = [
    { value: "aging", label: "Дебиторская задолженность", shown: permissions.has("reports:receivables") },
    { value: "day", label: "Мой отчёт за день", shown: permissions.has("reports:write") },
    { value: "daily", label: "Ежедневные отчёты", shown: permissions.has("reports:write") },
  ].filter((t) => t.shown);
  const [tab, setTab] = useState<string | null>(null);
  const current = tab ?? tabs[0]?.value ?? null;
  if (!me.data) return null;
  return (
    <Stack maw={1100}>
      <Title order={2}>Отчёты</Title>
      <Tabs value={current} onChange={setTab} keepMounted={false}>
        <Tabs.List>
          {tabs.map((t) => (
            <Tabs.Tab key={t.value} value={t.value} data-testid={`tab-${t.value}`}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="aging" pt="sm">
          <Aging />
        </Tabs.Panel>
        <Tabs.Panel value="day" pt="sm">
          <MyDay employeeId={me.data.id} />
        </Tabs.Panel>
        <Tabs.Panel value="daily" pt="sm">
          <DailyReports me={me.data.id} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
