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

/**
 * A PDF of the API shown in the page: fetched once per `queryKey` (put the record's version in it).
 * It prints the record as it is *now*, so it must not be fetched again under the old version: a
 * change started meanwhile cancels the fetch (see `queryClient`), and the key is kept out of the
 * record's own (`["document", …]`), so invalidating the record after a change does not refetch it
 * before the page has the new version.
 */
export function PdfFrame({ queryKey, load, title, testId, failed, enabled = true, height = 560 }: {
  queryKey: readonly unknown[];
  load: (signal: AbortSignal) => Promise<Blob>;
  title: string;
  testId: string;
  failed: string;
  enabled?: boolean;
  height?: number;
}) {
  const pdf = useQuery({ queryKey: ["document", ...queryKey], queryFn: ({ signal }) => load(signal), enabled, meta: { currentState: true } });
  const url = useObjectUrl(pdf.data);
  if (pdf.isError) return <Alert color="red">{failed}</Alert>;
  if (!url) return <Loader size="sm" aria-label="Загрузка PDF" />;
  return (
    <iframe title={title} src={url} data-testid={testId}
      style={{ width: "100%", height, border: "1px solid var(--mantine-color-gray-3)" }} />
  );
}
