import { AppShell, Badge, Burger, Button, Group, Loader, NavLink, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useQueryClient } from "@tanstack/react-query";
import { Link, Outlet, useNavigate, useRouterState } from "@tanstack/react-router";
import { Suspense } from "react";

import { useCompany } from "./lib/company";
import { logout } from "./lib/logout";
import { useMe, useMyTaskCounts } from "./lib/me";

/** The sections after «Сегодня», each shown to whoever holds a permission it needs. */
const SECTIONS: { to: string; label: string; testId: string; shown: (p: Set<string>) => boolean }[] = [
  { to: "/orders", label: "Заявки", testId: "nav-orders", shown: (p) => p.has("orders:read") },
  { to: "/mail", label: "Почта", testId: "nav-mail", shown: (p) => p.has("orders:read") },
  { to: "/clients", label: "Клиенты", testId: "nav-clients", shown: (p) => p.has("clients:read") },
  {
    to: "/warehouse",
    label: "Склад",
    testId: "nav-warehouse",
    shown: (p) => p.has("warehouse:accept") || p.has("warehouse_checks:work"),
  },
  {
    to: "/requisitions",
    label: "Книга заявок",
    testId: "nav-requisitions",
    shown: (p) => p.has("requisitions:read"),
  },
  { to: "/specs", label: "ТЗ в швейный цех", testId: "nav-specs", shown: (p) => p.has("specs:read") },
  { to: "/proposals", label: "Коммерческие предложения", testId: "nav-proposals", shown: (p) => p.has("proposals:read") },
  { to: "/supply", label: "Снабжение", testId: "nav-supply", shown: (p) => p.has("proposals:price") },
  { to: "/reports", label: "Отчёты", testId: "nav-reports", shown: (p) => p.has("reports:receivables") || p.has("reports:write") },
  { to: "/statistics", label: "Статистика", testId: "nav-statistics", shown: (p) => p.has("statistics:read") },
  { to: "/directory", label: "Справочник", testId: "nav-directory", shown: (p) => p.has("directory:read") },
  { to: "/admin", label: "Администрирование", testId: "nav-admin", shown: (p) => p.has("tokens:own") },
  { to: "/receivables", label: "Дебиторка", testId: "nav-receivables", shown: (p) => p.has("collection:read") },
  { to: "/credit", label: "Отсрочка и лимиты", testId: "nav-credit", shown: (p) => p.has("clients:read") },
  { to: "/payments", label: "Оплаты", testId: "nav-payments", shown: (p) => p.has("payments:read") },
  { to: "/reconciliation-acts", label: "Акты сверки", testId: "nav-acts", shown: (p) => p.has("reconciliation:write") },
];

/** The frame: the header with who is logged in, and the navigation their permissions allow. */
export function Shell() {
  const [opened, { toggle }] = useDisclosure();
  const me = useMe();
  // The pages show dates in the company's zone: they wait for it (or its failure: Moscow then).
  const company = useCompany();
  const permissions = new Set(me.data?.permissions ?? []);
  const canTasks = permissions.has("tasks:read_own");
  const counts = useMyTaskCounts();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const onLogout = async () => {
    const revoked = logout();
    await navigate({ to: "/login", search: {} });
    queryClient.clear();
    await revoked;
  };

  const overdue = counts.data?.overdue ?? 0;
  const today = counts.data?.today ?? 0;

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 240, breakpoint: "sm", collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Меню" />
            <Title order={4}>Помощник</Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {me.data ? (
              <Text size="sm" data-testid="me">
                {me.data.full_name}
                <Text span c="dimmed" size="sm">
                  {" "}
                  · {me.data.position}
                </Text>
              </Text>
            ) : null}
            <Button variant="subtle" size="xs" onClick={() => void onLogout()}>
              Выйти
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Разделы">
        {canTasks ? (
          <NavLink
            component={Link}
            to="/"
            label="Сегодня"
            active={pathname === "/"}
            data-testid="nav-today"
            rightSection={
              <Group gap={4} wrap="nowrap">
                {overdue > 0 ? (
                  <Badge size="sm" color="red" title="Просрочено" data-testid="count-overdue">
                    {overdue}
                  </Badge>
                ) : null}
                <Badge size="sm" variant="light" title="На сегодня" data-testid="count-today">
                  {today}
                </Badge>
              </Group>
            }
          />
        ) : null}
        {SECTIONS.filter((s) => s.shown(permissions)).map((s) => (
          <NavLink
            key={s.to}
            component={Link}
            to={s.to}
            label={s.label}
            active={pathname.startsWith(s.to)}
            data-testid={s.testId}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        {company.isPending ? (
          <Loader />
        ) : (
          <Suspense fallback={<Loader />}>
            <Outlet />
          </Suspense>
        )}
      </AppShell.Main>
    </AppShell>
  );
}
