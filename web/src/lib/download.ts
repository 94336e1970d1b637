/** Save a file the API answered (fetched with the token, which a plain link would not carry). */
export function saveFile(data: Blob, response: Response, fallback: string): void {
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  const name = star?.[1] ? decodeURIComponent(star[1]) : (plain?.[1] ?? fallback);
  const url = URL.createObjectURL(data);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
