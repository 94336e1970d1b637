import {
  createRootRoute,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
} from "@tanstack/react-router";

import { setUnauthorizedHandler } from "./api/client";
import { companyQuery } from "./lib/company";
import { myTasksQuery } from "./lib/me";
import { queryClient } from "./lib/queryClient";
import { getToken } from "./lib/session";
import { LoginPage } from "./pages/login/LoginPage";
import { ordersQuery } from "./pages/orders/query";
import { validateCreditSearch } from "./pages/credit/search";
import { validateOrdersSearch } from "./pages/orders/search";
import { validatePaymentsSearch } from "./pages/receivables/PaymentsSearch";
import { Shell } from "./Shell";

const rootRoute = createRootRoute({ component: Outlet });

export const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  validateSearch: (search: Record<string, unknown>): { next?: string } =>
    typeof search.next === "string" ? { next: search.next } : {},
  component: LoginPage,
});

const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "app",
  beforeLoad: ({ location }) => {
    if (!getToken()) {
      throw redirect({ to: "/login", search: { next: location.href } });
    }
  },
  // The company, which every page waits for (its time zone), is asked for as the frame is entered,
  // beside the screen's own data, not once the frame is first drawn.
  loader: ({ preload }) => {
    if (!preload) void queryClient.prefetchQuery(companyQuery);
  },
  component: Shell,
});

// A screen's first data is asked for by its route as it is entered, while the screen's own code is
// still loading: the page then finds it in the cache under the same key, under way or just answered,
// and does not ask again (an answer is fresh for ten seconds, for a page whose code came after it on
// a slow line). The loaders do not wait for it, so a slow answer or a problem is the page's to show,
// as without them; a link the pointer rests on (a preload) loads the code only.
const FIRST_DATA_FRESH_MS = 10_000;

queryClient.setQueryDefaults(myTasksQuery.queryKey, { staleTime: FIRST_DATA_FRESH_MS });

const todayRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/",
  loader: ({ preload }) => {
    if (!preload) void queryClient.prefetchQuery(myTasksQuery);
  },
  component: lazyRouteComponent(() => import("./pages/today/TodayPage"), "TodayPage"),
});

// The first page of «Заявки» for the filters in the address, as the page asks for it (one query).
queryClient.setQueryDefaults(["orders", "list"], { staleTime: FIRST_DATA_FRESH_MS });

const ordersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/orders",
  validateSearch: validateOrdersSearch,
  loaderDeps: ({ search }) => search,
  loader: ({ deps, preload }) => {
    if (!preload) void queryClient.prefetchInfiniteQuery(ordersQuery(deps));
  },
  component: lazyRouteComponent(() => import("./pages/orders/OrdersPage"), "OrdersPage"),
});

export const orderRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/orders/$orderId",
  params: {
    parse: (p: { orderId: string }) => ({ orderId: Number(p.orderId) }),
    stringify: (p: { orderId: number }) => ({ orderId: String(p.orderId) }),
  },
  component: lazyRouteComponent(() => import("./pages/orders/OrderPage"), "OrderPage"),
});

const clientsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/clients",
  component: lazyRouteComponent(() => import("./pages/clients/ClientsPage"), "ClientsPage"),
});

export const clientRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/clients/$clientId",
  params: {
    parse: (p: { clientId: string }) => ({ clientId: Number(p.clientId) }),
    stringify: (p: { clientId: number }) => ({ clientId: String(p.clientId) }),
  },
  component: lazyRouteComponent(() => import("./pages/clients/ClientPage"), "ClientPage"),
});

const warehouseRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/warehouse",
  component: lazyRouteComponent(() => import("./pages/warehouse/WarehousePage"), "WarehousePage"),
});

export const checkRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/warehouse/checks/$checkId",
  params: {
    parse: (p: { checkId: string }) => ({ checkId: Number(p.checkId) }),
    stringify: (p: { checkId: number }) => ({ checkId: String(p.checkId) }),
  },
  component: lazyRouteComponent(() => import("./pages/warehouse/CheckPage"), "CheckPage"),
});

const requisitionsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/requisitions",
  component: lazyRouteComponent(() => import("./pages/requisitions/RequisitionsPage"), "RequisitionsPage"),
});

// «ТЗ в швейный цех»: the list and one spec.
const specsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/specs",
  component: lazyRouteComponent(() => import("./pages/specs/SpecsPage"), "SpecsPage"),
});

export const specRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/specs/$specId",
  params: {
    parse: (p: { specId: string }) => ({ specId: Number(p.specId) }),
    stringify: (p: { specId: number }) => ({ specId: String(p.specId) }),
  },
  component: lazyRouteComponent(() => import("./pages/specs/SpecPage"), "SpecPage"),
});

// «Коммерческие предложения» and supply's queue.
const proposalsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/proposals",
  component: lazyRouteComponent(() => import("./pages/proposals/ProposalsPage"), "ProposalsPage"),
});

export const proposalRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/proposals/$proposalId",
  params: {
    parse: (p: { proposalId: string }) => ({ proposalId: Number(p.proposalId) }),
    stringify: (p: { proposalId: number }) => ({ proposalId: String(p.proposalId) }),
  },
  component: lazyRouteComponent(() => import("./pages/proposals/ProposalPage"), "ProposalPage"),
});

const supplyRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/supply",
  component: lazyRouteComponent(() => import("./pages/supply/SupplyPage"), "SupplyPage"),
});

// Reports, statistics, the directory and administration (their charts load with their pages).
const reportsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/reports",
  component: lazyRouteComponent(() => import("./pages/reports/ReportsPage"), "ReportsPage"),
});

const statisticsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/statistics",
  component: lazyRouteComponent(() => import("./pages/statistics/StatisticsPage"), "StatisticsPage"),
});

const directoryRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/directory",
  component: lazyRouteComponent(() => import("./pages/directory/DirectoryPage"), "DirectoryPage"),
});

const adminRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/admin",
  component: lazyRouteComponent(() => import("./pages/admin/AdminPage"), "AdminPage"),
});

const reportRoutes = [reportsRoute, statisticsRoute, directoryRoute, adminRoute];

// «Дебиторка»: the collection cases' board, one case, and the penalty calculator.
const receivablesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/receivables",
  component: lazyRouteComponent(() => import("./pages/receivables/CasesPage"), "CasesPage"),
});

export const caseRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/receivables/$caseId",
  params: {
    parse: (p: { caseId: string }) => ({ caseId: Number(p.caseId) }),
    stringify: (p: { caseId: number }) => ({ caseId: String(p.caseId) }),
  },
  component: lazyRouteComponent(() => import("./pages/receivables/CasePage"), "CasePage"),
});

const penaltyRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/penalty",
  component: lazyRouteComponent(() => import("./pages/penalty/PenaltyPage"), "PenaltyPage"),
});

// «Кредитные лимиты / отсрочка»: the requests (and a new one, `?new=<client>`), one request.
const creditRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/credit",
  validateSearch: validateCreditSearch,
  component: lazyRouteComponent(() => import("./pages/credit/CreditRequestsPage"), "CreditRequestsPage"),
});

export const creditRequestRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/credit/$requestId",
  params: {
    parse: (p: { requestId: string }) => ({ requestId: Number(p.requestId) }),
    stringify: (p: { requestId: number }) => ({ requestId: String(p.requestId) }),
  },
  component: lazyRouteComponent(() => import("./pages/credit/CreditRequestPage"), "CreditRequestPage"),
});
const creditRoutes = [creditRoute, creditRequestRoute];

// «Оплаты» and «Акты сверки»: the accountants' payments and the reconciliation acts.
const paymentsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/payments",
  validateSearch: validatePaymentsSearch,
  component: lazyRouteComponent(() => import("./pages/receivables/PaymentsPage"), "PaymentsPage"),
});

export const paymentRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/payments/$paymentId",
  params: {
    parse: (p: { paymentId: string }) => ({ paymentId: Number(p.paymentId) }),
    stringify: (p: { paymentId: number }) => ({ paymentId: String(p.paymentId) }),
  },
  component: lazyRouteComponent(() => import("./pages/receivables/PaymentsDetail"), "PaymentPage"),
});

const actsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/reconciliation-acts",
  component: lazyRouteComponent(() => import("./pages/receivables/ReconciliationsPage"), "ReconciliationsPage"),
});

export const actRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/reconciliation-acts/$actId",
  params: {
    parse: (p: { actId: string }) => ({ actId: Number(p.actId) }),
    stringify: (p: { actId: number }) => ({ actId: String(p.actId) }),
  },
  component: lazyRouteComponent(() => import("./pages/receivables/ReconciliationPage"), "ReconciliationPage"),
});

const paymentRoutes = [paymentsRoute, paymentRoute, actsRoute, actRoute];


// «Почта»: the letters taken from the shared mailbox, and one letter.
const mailRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/mail",
  component: lazyRouteComponent(() => import("./pages/mail/MailPage"), "MailPage"),
});

export const mailMessageRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/mail/$emailId",
  params: {
    parse: (p: { emailId: string }) => ({ emailId: Number(p.emailId) }),
    stringify: (p: { emailId: number }) => ({ emailId: String(p.emailId) }),
  },
  component: lazyRouteComponent(() => import("./pages/mail/MessagePage"), "MessagePage"),
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  appRoute.addChildren([
    todayRoute, ordersRoute, orderRoute, clientsRoute, clientRoute, warehouseRoute, checkRoute, requisitionsRoute,
    specsRoute, specRoute, proposalsRoute, proposalRoute, supplyRoute, ...reportRoutes,
    receivablesRoute, caseRoute, penaltyRoute, ...paymentRoutes,
    ...creditRoutes,
    mailRoute, mailMessageRoute,
  ]),
]);

export const router = createRouter({ routeTree, defaultPreload: "intent" });

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}

// A 401 anywhere (an expired or revoked token) returns to the login page, with the place to come back to.
setUnauthorizedHandler(() => {
  const here = router.state.location;
  if (here.pathname === "/login") return;
  void router.navigate({ to: "/login", search: { next: here.href }, replace: true });
});
