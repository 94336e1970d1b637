import { Alert, Button, Checkbox, Group, Modal, NumberInput, Select, Stack, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useEmployeeNames } from "../../lib/employees";
import { formatDate, formatDateTime } from "../../lib/format";
import { useProblemHandler } from "../../lib/problems";

type Order = components["schemas"]["OrderRead"];
type Method = components["schemas"]["DeliveryMethod"];

export const DELIVERY_METHOD: Record<Method, string> = {
  own_driver: "Свой водитель",
  transport_company: "Транспортная компания",
  pickup: "Самовывоз",
};

/** Statuses in which the order has an agreed delivery. */
const WITH_DELIVERY = new Set<Order["status"]>(["delivery_agreed", "shipped", "delivered", "closed"]);

function useDelivery(order: Order) {
  return useQuery({
    queryKey: ["orders", order.id, "delivery"],
    enabled: WITH_DELIVERY.has(order.status),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/orders/{order_id}/delivery", { params: { path: { order_id: order.id } }, signal })),
  });
}

/** «Доставка»: the method and time, the checklist ticked item by item, the driver's message as it
 * will be posted, received and the feedback call. */
export function DeliverySection({ order }: { order: Order }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const names = useEmployeeNames();
  const delivery = useDelivery(order);
  const tick = useMutation({
    mutationFn: async ({ item, version }: { item: string; version: number }) =>
      unwrap(
        await api.POST("/api/v1/orders/{order_id}/delivery/checklist/{item}", {
          params: { path: { order_id: order.id, item }, header: ifMatch(version) },
        }),
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(["orders", order.id, "delivery"], updated);
      // The order's actions follow the checklist (shipped once every item is ticked).
      void queryClient.invalidateQueries({ queryKey: ["orders", order.id] });
    },
    onError: (error) => onProblem(error),
  });
  const d = delivery.data;
  if (!d) return null;
  const when = [formatDate(d.planned_on), d.window_from && d.window_to ? `${d.window_from.slice(0, 5)}–${d.window_to.slice(0, 5)}` : null]
    .filter(Boolean)
    .join(", ");
  const messaged = d.checklist.find((x) => x.key === "driver_message")?.done_at;
  return (
    <section aria-label="Доставка" data-testid="delivery">
      <Title order={3} size="h4" mb="xs">
        Доставка
      </Title>
      <Stack gap="xs">
        <Text size="sm" data-testid="delivery-method">
          {DELIVERY_METHOD[d.method]} · {when}
          {d.carrier ? ` · ТК «${d.carrier}»` : ""}
          {d.address ? ` · ${d.address}` : ""}
        </Text>
        <Stack gap={6} data-testid="delivery-checklist">
          {d.checklist.map((x) => (
            <Checkbox
              key={x.key}
              label={
                <>
                  {x.title}
                  {x.done_at ? (
                    <Text span size="xs" c="dimmed">
                      {" "}
                      · {formatDateTime(x.done_at)}
                      {x.done_by !== null ? ` · ${names.data?.get(x.done_by) ?? ""}` : ""}
                    </Text>
                  ) : null}
                </>
              }
              checked={x.done_at !== null}
              disabled={x.done_at !== null || order.status !== "delivery_agreed" || tick.isPending}
              onChange={() => tick.mutate({ item: x.key, version: d.version })}
            />
          ))}
        </Stack>
        {d.driver_message ? (
          <Alert color={messaged ? "green" : "blue"} title={messaged ? "Отправлено водителю в чат «Доставка»" : "Сообщение водителю (уйдёт в чат «Доставка», когда отмечен этот пункт)"} data-testid="driver-message">
            {d.driver_message}
          </Alert>
        ) : null}
        {d.received_on ? <Text size="sm">Получено клиентом: {formatDate(d.received_on)}</Text> : null}
        {d.rating !== null || d.feedback ? (
          <Text size="sm" data-testid="delivery-feedback">
            {/* The feedback call's outcome from «Сегодня» has what the client said, and no rating. */}
            Обратная связь: {[d.rating !== null ? `оценка ${d.rating} из 5` : "", d.feedback ?? ""].filter(Boolean).join(" — ")}
          </Text>
        ) : null}
      </Stack>
    </section>
  );
}

/** The delivery agreed with the client (a call): method, date and time, where to. */
export function AgreeDeliveryModal({ order, onClose }: { order: Order; onClose: () => void }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [key] = useState(newIdempotencyKey);
  const [method, setMethod] = useState<Method>("own_driver");
  const [plannedOn, setPlannedOn] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [address, setAddress] = useState("");
  const [carrier, setCarrier] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const agree = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/orders/{order_id}/delivery", {
          params: { path: { order_id: order.id }, header: { ...ifMatch(order.version), "Idempotency-Key": key } },
          body: {
            method,
            planned_on: plannedOn,
            window_from: from || null,
            window_to: to || null,
            address: address.trim() || null,
            carrier: carrier.trim() || null,
          },
        }),
      ),
    onSuccess: (made) => {
      queryClient.setQueryData(["orders", order.id, "delivery"], made);
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
      onClose();
    },
    onError: (error) => onProblem(error, setErrors, ["method", "planned_on", "window_from", "window_to", "address", "carrier"]),
  });
  return (
    <Modal opened onClose={onClose} title="Доставка согласована с клиентом">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setErrors({});
          agree.mutate();
        }}
      >
        <Stack>
          <Select
            label="Способ"
            data={Object.entries(DELIVERY_METHOD).map(([value, label]) => ({ value, label }))}
            value={method}
            allowDeselect={false}
            onChange={(v) => v && setMethod(v as Method)}
            error={errors.method}
          />
          <TextInput label="Дата" type="date" required value={plannedOn} onChange={(e) => setPlannedOn(e.currentTarget.value)} error={errors.planned_on} />
          <Group grow>
            <TextInput label="С" type="time" value={from} onChange={(e) => setFrom(e.currentTarget.value)} error={errors.window_from} />
            <TextInput label="До" type="time" value={to} onChange={(e) => setTo(e.currentTarget.value)} error={errors.window_to} />
          </Group>
          {method !== "pickup" ? (
            <TextInput label="Адрес" required value={address} onChange={(e) => setAddress(e.currentTarget.value)} error={errors.address} />
          ) : null}
          {method === "transport_company" ? (
            <TextInput label="Транспортная компания" value={carrier} onChange={(e) => setCarrier(e.currentTarget.value)} error={errors.carrier} />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Назад
            </Button>
            <Button type="submit" loading={agree.isPending} disabled={!plannedOn}>
              Сохранить
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The feedback call's outcome: the client's rating and what they said; it closes the order. */
export function FeedbackModal({ busy, onClose, onSubmit }: { busy: boolean; onClose: () => void; onSubmit: (body: { rating: number; comment: string | null }) => void }) {
  const [rating, setRating] = useState<number | string>(5);
  const [comment, setComment] = useState("");
  return (
    <Modal opened onClose={onClose} title="Звонок обратной связи">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit({ rating: Number(rating), comment: comment.trim() || null });
        }}
      >
        <Stack>
          <NumberInput label="Оценка клиента (1–5)" min={1} max={5} allowDecimal={false} value={rating} onChange={setRating} data-autofocus />
          <Textarea label="Что сказал клиент" autosize minRows={2} value={comment} onChange={(e) => setComment(e.currentTarget.value)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Назад
            </Button>
            <Button type="submit" loading={busy}>
              Записать и закрыть заявку
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

