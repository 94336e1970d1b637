import "@mantine/dropzone/styles.css";

import { ActionIcon, Button, Group, Modal, NumberInput, Select, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { Dropzone, IMAGE_MIME_TYPE, PDF_MIME_TYPE } from "@mantine/dropzone";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useRef, useState } from "react";

import { api, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useClientSearch } from "../../lib/clients";
import { ORDER_CHANNEL } from "../../lib/labels";
import { useProblemHandler } from "../../lib/problems";

type Channel = components["schemas"]["OrderChannel"];
type Line = { name: string; quantity: number | string };

// An order from a proposal is made by converting the proposal, not here.
const CHANNELS = Object.entries(ORDER_CHANNEL)
  .filter(([value]) => value !== "proposal")
  .map(([value, label]) => ({ value, label }));
const FIELDS = ["channel", "client_id", "raw_text", "lines", "lines.name", "lines.quantity", "file"];

/**
 * «Новая заявка» from any channel: the client (found as you type) or the client as written, the
 * lines or the order's text, and the scan of a paper order, kept as the order's file right after
 * it is made. One Idempotency-Key per form: a double click makes one order.
 */
export function NewOrderModal({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [orderKey] = useState(newIdempotencyKey);
  const [fileKey] = useState(newIdempotencyKey);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [channel, setChannel] = useState<Channel | null>(null);
  // A field's problem is shown until that field is changed.
  const cleared = (...fields: string[]) =>
    setErrors((current) =>
      Object.fromEntries(Object.entries(current).filter(([field]) => !fields.includes(field))),
    );
  const [clientId, setClientId] = useState<string | null>(null);
  const [clientQuery, setClientQuery] = useState("");
  const [debounced] = useDebouncedValue(clientQuery, 250);
  const clients = useClientSearch(debounced);
  const [clientText, setClientText] = useState("");
  const [text, setText] = useState("");
  const [lines, setLines] = useState<Line[]>([]);
  const [scan, setScan] = useState<File | null>(null);
  // A second click before the first answer sends nothing (the key would make it one order anyway).
  const sending = useRef(false);

  const create = useMutation({
    mutationFn: async () => {
      if (!channel) throw new MissingChannel();
      const rawText = [clientText.trim() && !clientId ? `Клиент: ${clientText.trim()}` : "", text.trim()]
        .filter(Boolean)
        .join("\n");
      const order = unwrap(
        await api.POST("/api/v1/orders", {
          params: { header: { "Idempotency-Key": orderKey } },
          body: {
            channel,
            client_id: clientId ? Number(clientId) : null,
            raw_text: rawText || null,
            lines: lines
              .filter((l) => l.name.trim())
              .map((l) => ({ name: l.name.trim(), quantity: Number(l.quantity) })),
          },
        }),
      );
      let attached = true;
      if (scan) {
        const { response } = await api.POST("/api/v1/orders/{order_id}/attachments", {
          params: { path: { order_id: order.id }, header: { "Idempotency-Key": fileKey } },
          body: { file: "" },
          bodySerializer: () => {
            const form = new FormData();
            form.append("file", scan, scan.name);
            return form;
          },
        });
        attached = response.ok;
      }
      return { order, attached };
    },
    onSuccess: async ({ order, attached }) => {
      if (!attached) {
        notifications.show({
          color: "orange",
          title: "Скан не сохранён",
          message: `Заявка №${order.id} создана; приложите скан на её странице ещё раз.`,
        });
      }
      await queryClient.invalidateQueries({ queryKey: ["orders"] });
      onClose();
      await navigate({ to: "/orders/$orderId", params: { orderId: order.id } });
    },
    onError: (error) => {
      if (error instanceof MissingChannel) {
        setErrors({ channel: "Укажите, откуда пришла заявка" });
        return;
      }
      onProblem(error, setErrors, FIELDS);
    },
  });

  const clientOptions = (clients.data?.items ?? []).map((c) => ({ value: String(c.id), label: c.name }));
  const setLine = (index: number, change: Partial<Line>) =>
    setLines((all) => all.map((l, i) => (i === index ? { ...l, ...change } : l)));

  return (
    <Modal opened onClose={onClose} title="Новая заявка" size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setErrors({});
          if (sending.current) return;
          sending.current = true;
          create.mutate(undefined, {
            onSettled: () => {
              sending.current = false;
            },
          });
        }}
      >
        <Stack gap="sm">
          <Select
            label="Канал"
            placeholder="Откуда пришла"
            required
            data={CHANNELS}
            value={channel}
            onChange={(v) => {
              setChannel(v as Channel | null);
              cleared("channel");
            }}
            error={errors.channel}
          />
          <Select
            label="Клиент"
            placeholder="Название или ИНН"
            searchable
            clearable
            value={clientId}
            onChange={(v) => {
              setClientId(v);
              cleared("client_id");
            }}
            searchValue={clientQuery}
            onSearchChange={setClientQuery}
            filter={({ options }) => options}
            nothingFoundMessage="Не найдено — впишите клиента ниже"
            data={clientOptions}
            error={errors.client_id}
          />
          {clientId ? null : (
            <TextInput
              label="Клиент, как назван в заявке"
              description="Если его ещё нет в базе: менеджер уточнит"
              maxLength={300}
              value={clientText}
              onChange={(e) => setClientText(e.currentTarget.value)}
            />
          )}
          <Textarea
            label="Текст заявки"
            autosize
            minRows={2}
            maxRows={8}
            maxLength={20000}
            value={text}
            onChange={(e) => {
              setText(e.currentTarget.value);
              cleared("raw_text");
            }}
            error={errors.raw_text}
          />
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Позиции
            </Text>
            {lines.map((line, index) => (
              <Group key={index} gap="xs" align="flex-start" wrap="nowrap">
                <TextInput
                  aria-label={`Наименование, строка ${index + 1}`}
                  placeholder="Наименование"
                  style={{ flex: 1 }}
                  maxLength={300}
                  value={line.name}
                  onChange={(e) => setLine(index, { name: e.currentTarget.value })}
                />
                <NumberInput
                  aria-label={`Количество, строка ${index + 1}`}
                  w={110}
                  min={1}
                  max={100000}
                  allowDecimal={false}
                  value={line.quantity}
                  onChange={(v) => setLine(index, { quantity: v })}
                />
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  size="lg"
                  aria-label={`Убрать строку ${index + 1}`}
                  onClick={() => setLines((all) => all.filter((_, i) => i !== index))}
                >
                  ×
                </ActionIcon>
              </Group>
            ))}
            {errors["lines.name"] || errors["lines.quantity"] || errors.lines ? (
              <Text size="sm" c="red" data-testid="lines-error">
                {[errors.lines, errors["lines.name"], errors["lines.quantity"]].filter(Boolean).join("; ")}
              </Text>
            ) : null}
            <Button
              variant="subtle"
              size="xs"
              w="fit-content"
              onClick={() => setLines((all) => [...all, { name: "", quantity: 1 }])}
            >
              Добавить позицию
            </Button>
          </Stack>
          <Dropzone
            onDrop={(files) => setScan(files[0] ?? null)}
            onReject={() => setErrors((e) => ({ ...e, file: "Нужен PDF или картинка до 20 МБ" }))}
            accept={[...PDF_MIME_TYPE, ...IMAGE_MIME_TYPE]}
            maxSize={20 * 1024 * 1024}
            maxFiles={1}
            multiple={false}
            aria-label="Скан бумажной заявки"
          >
            <Text size="sm" ta="center" data-testid="scan">
              {scan ? `Скан: ${scan.name}` : "Скан бумажной заявки: перетащите сюда PDF или фото, или нажмите"}
            </Text>
          </Dropzone>
          {errors.file ? (
            <Text size="sm" c="red">
              {errors.file}
            </Text>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Отмена
            </Button>
            <Button type="submit" loading={create.isPending}>
              Создать заявку
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

class MissingChannel extends Error {}
