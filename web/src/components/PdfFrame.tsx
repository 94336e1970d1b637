import { Alert, Loader } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";

/** A file the API answered, as a Blob (fetched with the token, which a plain link would not carry). */
export function blobOf({ data, response }: { data?: unknown; response: Response }, what: string): Blob {
  if (!response.ok || !(data instanceof Blob)) throw new Error(`${what}: ${response.status}`);
  return data;
}

/** An object URL for a Blob while the component shows it, revoked after. */
export function useObjectUrl(blob: Blob | null | undefined): string | null {
  const url = useMemo(() => (blob ? URL.createObjectURL(blob) : null), [blob]);
  useEffect(
    () => () => {
      if (url) URL.revokeObjectURL(url);
    },
    [url],
  );
  return url;
}

/** A PDF of the API shown in the page: fetched once per `queryKey` (put the record's version in it). */
export function PdfFrame({ queryKey, load, title, testId, failed, height = 560 }: {
  queryKey: readonly unknown[];
  load: (signal: AbortSignal) => Promise<Blob>;
  title: string;
  testId: string;
  failed: string;
  height?: number;
}) {
  const pdf = useQuery({ queryKey, queryFn: ({ signal }) => load(signal) });
  const url = useObjectUrl(pdf.data);
  if (pdf.isError) return <Alert color="red">{failed}</Alert>;
  if (!url) return <Loader size="sm" aria-label="Загрузка PDF" />;
  return (
    <iframe title={title} src={url} data-testid={testId}
      style={{ width: "100%", height, border: "1px solid var(--mantine-color-gray-3)" }} />
  );
}
