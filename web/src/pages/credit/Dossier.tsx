import { Alert, Anchor, Button, Group, Image, Loader, Modal, Select, Stack, Table, Text, Title } from "@mantine/core";
import { Dropzone, IMAGE_MIME_TYPE, MS_EXCEL_MIME_TYPE, MS_WORD_MIME_TYPE, PDF_MIME_TYPE } from "@mantine/dropzone";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { blobOf, PdfFrame, useObjectUrl } from "../../components/PdfFrame";
import { saveOrThrow } from "../../lib/download";
import { formatDateTime } from "../../lib/format";
import { useMe } from "../../lib/me";
import { useProblemHandler } from "../../lib/problems";
import { POTENTIAL, PURCHASE_FREQUENCY } from "../clients/labels";
import { CREDIT_FILE_KIND } from "./labels";
import { uploadCreditFile, type CreditFileKind, type CreditRequest } from "./queries";

type CreditFile = components["schemas"]["CreditFileRead"];

const KINDS = Object.entries(CREDIT_FILE_KIND).map(([value, label]) => ({ value, label }));

/** The dossier the department head and management read: the client's card as it stood when asked
 * (purchase frequency, headcount, potential) and the documents, each previewed or downloaded. */
export function Dossier({ r }: { r: CreditRequest }) {
  const me = useMe();
  const canAdd = (me.data?.permissions.includes("clients:write") ?? false) && (r.status !== "approved" && r.status !== "rejected");
  const files = useQuery({
    queryKey: ["credit-requests", r.id, "files"],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/credit-requests/{request_id}/attachments", { params: { path: { request_id: r.id } }, signal }),
      ),
  });
  const [shown, setShown] = useState<CreditFile | null>(null);
  const rows = files.data?.items ?? [];
  return (
    <Stack gap="xs" component="section" aria-label="Досье" data-testid="credit-dossier">
      <Title order={3}>Досье</Title>
      <Text size="sm">
        Частота закупок: {r.purchase_frequency ? (PURCHASE_FREQUENCY[r.purchase_frequency as keyof typeof PURCHASE_FREQUENCY] ?? r.purchase_frequency) : "—"} ·
        численность: {r.headcount ?? "—"} · потенциал:{" "}
        {r.potential ? (POTENTIAL[r.potential as keyof typeof POTENTIAL] ?? r.potential) : "—"}
      </Text>
      {files.isError ? <Alert color="red">Не удалось загрузить документы: {files.error.message}</Alert> : null}
      {rows.length === 0 && files.isSuccess ? (
        <Text size="sm" c="dimmed">
          Документов пока нет: приложите карточку контрагента из 1С и выписку.
        </Text>
      ) : null}
      {rows.length > 0 ? (
        <Table withTableBorder striped data-testid="credit-files">
          <Table.Tbody>
            {rows.map((f) => (
              <Table.Tr key={f.id}>
                <Table.Td>{CREDIT_FILE_KIND[f.kind]}</Table.Td>
                <Table.Td>
                  <Anchor component="button" type="button" size="sm" onClick={() => setShown(f)}>
                    {f.filename}
                  </Anchor>
                </Table.Td>
                <Table.Td>{formatDateTime(f.created_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {canAdd ? <AddDocument r={r} /> : null}
      {shown ? <Preview requestId={r.id} file={shown} onClose={() => setShown(null)} /> : null}
    </Stack>
  );
}

function AddDocument({ r }: { r: CreditRequest }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [kind, setKind] = useState<CreditFileKind | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [key, setKey] = useState(newIdempotencyKey);
  const add = useMutation({
    mutationFn: async () => {
      if (!kind || !file) throw new Error("unreachable");
      return uploadCreditFile(r.id, kind, file, key);
    },
    onSuccess: async () => {
      setFile(null);
      setKind(null);
      setErrors({});
      setKey(newIdempotencyKey());
      await queryClient.invalidateQueries({ queryKey: ["credit-requests", r.id] });
    },
    onError: (error) => onProblem(error, setErrors, ["kind", "file"]),
  });
  const submit = () => {
    const local: Record<string, string> = {};
    if (!kind) local.kind = "Какой это документ";
    if (!file) local.file = "Выберите файл";
    setErrors(local);
    if (Object.keys(local).length === 0) add.mutate();
  };
  return (
    <Group align="flex-start" gap="sm" wrap="nowrap">
      <Select label="Документ" placeholder="Какой" data={KINDS} value={kind} w={260} allowDeselect={false}
        onChange={(v) => setKind(v as CreditFileKind | null)} error={errors.kind} />
      <Stack gap={4} style={{ flex: 1 }}>
        <Text size="sm" fw={500}>
          Файл
        </Text>
        <Dropzone
          onDrop={(dropped) => {
            setFile(dropped[0] ?? null);
            setErrors((e) => Object.fromEntries(Object.entries(e).filter(([f]) => f !== "file")));
          }}
          onReject={() => setErrors((e) => ({ ...e, file: "Нужен PDF, картинка, Word или Excel до 20 МБ" }))}
          accept={[...PDF_MIME_TYPE, ...IMAGE_MIME_TYPE, ...MS_WORD_MIME_TYPE, ...MS_EXCEL_MIME_TYPE]}
          maxSize={20 * 1024 * 1024}
          maxFiles={1}
          multiple={false}
          aria-label="Файл документа"
          p="xs"
        >
          <Text size="sm" ta="center" data-testid="credit-file-chosen">
            {file ? file.name : "Перетащите сюда PDF, фото, Word или Excel, или нажмите"}
          </Text>
        </Dropzone>
        {errors.file ? (
          <Text size="sm" c="red">
            {errors.file}
          </Text>
        ) : null}
      </Stack>
      <Button mt={24} onClick={submit} loading={add.isPending}>
        Приложить
      </Button>
    </Group>
  );
}

/** A document in the page: a PDF in a frame, a picture as it is; and its download. */
function Preview({ requestId, file, onClose }: { requestId: number; file: CreditFile; onClose: () => void }) {
  const onProblem = useProblemHandler();
  const load = async (signal: AbortSignal) =>
    blobOf(
      await api.GET("/api/v1/credit-requests/{request_id}/attachments/{file_id}", {
        params: { path: { request_id: requestId, file_id: file.id } },
        parseAs: "blob",
        signal,
      }),
      file.filename,
    );
  const download = async () => {
    try {
      await saveOrThrow(
        await api.GET("/api/v1/credit-requests/{request_id}/attachments/{file_id}", {
          params: { path: { request_id: requestId, file_id: file.id } },
          parseAs: "blob",
        }),
        file.filename,
      );
    } catch (error) {
      onProblem(error);
    }
  };
  return (
    <Modal opened onClose={onClose} title={`${CREDIT_FILE_KIND[file.kind]}: ${file.filename}`} size="xl">
      <Stack>
        {file.content_type === "application/pdf" ? (
          <PdfFrame queryKey={["credit-file", requestId, file.id]} load={load} title={file.filename}
            testId="credit-file-preview" failed="Не удалось показать документ" height={480} />
        ) : file.content_type.startsWith("image/") ? (
          <Picture queryKey={["credit-file", requestId, file.id]} load={load} alt={file.filename} />
        ) : (
          <Text size="sm" c="dimmed">
            Этот файл в странице не показать: скачайте его.
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="light" onClick={() => void download()}>
            Скачать
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function Picture({ queryKey, load, alt }: { queryKey: unknown[]; load: (signal: AbortSignal) => Promise<Blob>; alt: string }) {
  const picture = useQuery({ queryKey: ["document", ...queryKey], queryFn: ({ signal }) => load(signal) });
  const url = useObjectUrl(picture.data);
  if (picture.isError) return <Alert color="red">Не удалось показать документ</Alert>;
  if (!url) return <Loader size="sm" aria-label="Загрузка" />;
  return <Image src={url} alt={alt} mah={480} fit="contain" data-testid="credit-file-preview" />;
}
