import { Alert, Loader } from "@mantine/core";
import { useQuery, type QueryKey } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";

/**
 * A PDF the API answers, fetched with the token (a plain link carries none) and shown in the page;
 * `load` returns the openapi-fetch result of a GET with `parseAs: "blob"`.
 */
export function PdfFrame({
  queryKey,
  load,
  title,
  failed,
  testId,
}: {
  queryKey: QueryKey;
  load: (signal: AbortSignal) => Promise<{ data?: unknown; response: Response }>;
  title: string;
  failed: string;
  testId: string;
}) {
  const pdf = useQuery({
    queryKey,
    queryFn: async ({ signal }) => {
      const { data, response } = await load(signal);
      if (!response.ok || !(data instanceof Blob)) throw new Error(`PDF: ${response.status}`);
      return data;
    },
  });
  const url = useMemo(() => (pdf.data ? URL.createObjectURL(pdf.data) : null), [pdf.data]);
  useEffect(
    () => () => {
      if (url) URL.revokeObjectURL(url);
    },
    [url],
  );
  if (pdf.isError) return <Alert color="red">{failed}</Alert>;
  if (!url) return <Loader size="sm" aria-label="Загрузка PDF" />;
  return (
    <iframe title={title} src={url} data-testid={testId}
      style={{ width: "100%", height: 560, border: "1px solid var(--mantine-color-gray-3)" }} />
  );
}
