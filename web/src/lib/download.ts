import { ApiProblem, isProblem } from "../api/problem";

/** The file name a Content-Disposition header gives (`filename*=UTF-8''…` first), else the fallback. */
export function dispositionName(disposition: string | null, fallback: string): string {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? "");
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      return fallback;
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition ?? "");
  return plain?.[1]?.trim() || fallback;
}

/** Save a file the API answered (fetched with the token, which a plain link would not carry). */
export function saveFile(data: Blob, response: Response, fallback: string): void {
  const url = URL.createObjectURL(data);
  const link = document.createElement("a");
  link.href = url;
  link.download = dispositionName(response.headers.get("Content-Disposition"), fallback);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Save the file a call asked for as a blob answered, or throw the problem it answered instead (a
 * problem asked for as a file comes as one too, and is read back as JSON).
 */
export async function saveOrThrow(
  result: { data?: unknown; error?: unknown; response: Response },
  fallback: string,
): Promise<void> {
  const { data, error, response } = result;
  if (response.ok && data instanceof Blob) {
    saveFile(data, response, fallback);
    return;
  }
  let problem: unknown = error;
  if (error instanceof Blob) {
    try {
      problem = JSON.parse(await error.text());
    } catch {
      problem = null;
    }
  }
  throw new ApiProblem(response.status, isProblem(problem) ? problem : null);
}
