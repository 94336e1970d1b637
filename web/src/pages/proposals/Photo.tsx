import { Box, Button, Checkbox, Group, Image, Loader, Modal, Slider, Stack, Text } from "@mantine/core";
import { Dropzone, IMAGE_MIME_TYPE } from "@mantine/dropzone";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { api, ifMatch } from "../../api/client";
import { unwrap } from "../../api/problem";
import { useObjectUrl } from "../../components/PdfFrame";
import type { components } from "../../api/schema";
import { useProblemHandler } from "../../lib/problems";

type Proposal = components["schemas"]["ProposalRead"];
type Line = components["schemas"]["ProposalLineRead"];

/** The pictures the API takes (told by their content there; this only keeps the picker honest). */
const ACCEPTED: string[] = IMAGE_MIME_TYPE.filter((t) => ["image/jpeg", "image/png", "image/webp"].includes(t));
const PREVIEW_SIDE = 360;

/** The line's photo as the document prints it (its square), fetched with the token. */
export function LinePhoto({ proposalId, version, line }: {
  proposalId: number;
  version: number;
  line: { position: number; name: string; has_photo: boolean };
}) {
  const photo = useQuery({
    queryKey: ["proposals", proposalId, "photo", line.position, version],
    enabled: line.has_photo,
    staleTime: Infinity,
    queryFn: async ({ signal }) => {
      const { data, response } = await api.GET("/api/v1/proposals/{proposal_id}/lines/{position}/photo", {
        params: { path: { proposal_id: proposalId, position: line.position }, query: { printed: true } },
        parseAs: "blob",
        signal,
      });
      if (!response.ok || !(data instanceof Blob)) throw new Error(`Фото: ${response.status}`);
      return data;
    },
  });
  const url = useObjectUrl(photo.data);
  if (!line.has_photo) return <Text c="dimmed" size="xs">нет фото</Text>;
  if (!url) return <Loader size="xs" aria-label="Загрузка фото" />;
  return <Image src={url} alt={`Фото: ${line.name}`} w={56} h={56} fit="contain" data-testid="line-photo" />;
}

type Square = { left: number; top: number; side: number };

/** The photo of a line: dropped, chosen or pasted; previewed with the square the document prints. */
export function PhotoModal({ proposal, line, onClose }: { proposal: Proposal; line: Line; onClose: () => void }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [file, setFile] = useState<File | null>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const [square, setSquare] = useState<Square | null>(null);
  const [whole, setWhole] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const url = useObjectUrl(file);

  const take = (picked: File | undefined | null) => {
    if (!picked) return;
    setFile(picked);
    setSize(null);
    setSquare(null);
    setError(null);
  };

  // A picture pasted anywhere while the dialog is open (a screenshot, a copied image) is taken too.
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const pasted = [...(e.clipboardData?.files ?? [])].find((f) => ACCEPTED.includes(f.type));
      if (pasted) {
        e.preventDefault();
        take(pasted);
      }
    };
    window.addEventListener("paste", onPaste);
    return () => window.removeEventListener("paste", onPaste);
  }, []);

  const upload = useMutation({
    mutationFn: async () => {
      if (!file) throw new Error("no file");
      const crop = !whole && square ? square : null;
      return unwrap(
        await api.PUT("/api/v1/proposals/{proposal_id}/lines/{position}/photo", {
          params: { path: { proposal_id: proposal.id, position: line.position }, header: ifMatch(proposal.version) },
          body: { file: "" },
          bodySerializer: () => {
            const form = new FormData();
            form.append("file", file, file.name || "photo.png");
            if (crop) {
              form.append("crop_left", String(crop.left));
              form.append("crop_top", String(crop.top));
              form.append("crop_side", String(crop.side));
            }
            return form;
          },
        }),
      );
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(["proposals", proposal.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["proposals"] });
      onClose();
    },
    onError: (e) =>
      onProblem(e, (fields) => setError(Object.values(fields).join("; ")), ["file", "crop_left", "crop_top", "crop_side"]),
  });

  const scale = size ? PREVIEW_SIDE / Math.max(size.width, size.height) : 1;
  const shortSide = size ? Math.min(size.width, size.height) : 1;
  const move = (patch: Partial<Square>) =>
    setSquare((s) => {
      if (!s || !size) return s;
      const next = { ...s, ...patch };
      next.side = Math.max(1, Math.min(next.side, shortSide));
      next.left = Math.max(0, Math.min(next.left, size.width - next.side));
      next.top = Math.max(0, Math.min(next.top, size.height - next.side));
      return next;
    });

  return (
    <Modal opened onClose={onClose} title={`Фото позиции ${line.position}: ${line.name}`} size="lg">
      <Stack>
        <Dropzone
          onDrop={(files) => take(files[0])}
          onReject={() => setError("Нужна картинка JPEG, PNG или WebP")}
          accept={ACCEPTED}
          maxFiles={1}
          multiple={false}
          aria-label="Фото позиции"
          data-testid="photo-drop"
        >
          <Text size="sm" ta="center">
            {file ? `Выбрано: ${file.name || "вставленная картинка"}` : "Перетащите фото сюда, нажмите, чтобы выбрать, или вставьте (Ctrl+V)"}
          </Text>
        </Dropzone>
        {error ? (
          <Text size="sm" c="red" data-testid="photo-error">
            {error}
          </Text>
        ) : null}
        {url ? (
          <Group align="flex-start" wrap="nowrap">
            <Box pos="relative" w={size ? size.width * scale : PREVIEW_SIDE} style={{ flexShrink: 0 }}>
              <img
                src={url}
                alt="Предпросмотр"
                style={{ display: "block", maxWidth: PREVIEW_SIDE, maxHeight: PREVIEW_SIDE }}
                onLoad={(e) => {
                  const { naturalWidth: width, naturalHeight: height } = e.currentTarget;
                  const side = Math.min(width, height);
                  setSize({ width, height });
                  setSquare({ side, left: Math.floor((width - side) / 2), top: Math.floor((height - side) / 2) });
                }}
              />
              {square && !whole ? (
                <Box
                  data-testid="crop-square"
                  pos="absolute"
                  style={{
                    left: square.left * scale,
                    top: square.top * scale,
                    width: square.side * scale,
                    height: square.side * scale,
                    border: "2px solid var(--mantine-color-blue-6)",
                    boxShadow: "0 0 0 9999px rgba(0, 0, 0, 0.45)",
                    pointerEvents: "none",
                  }}
                />
              ) : null}
            </Box>
            {size && square ? (
              <Stack gap="xs" style={{ flex: 1, overflow: "hidden" }}>
                <Text size="xs" c="dimmed">
                  {size.width}×{size.height} px. В КП печатается квадрат.
                </Text>
                <Checkbox label="Печатать фото целиком" checked={whole} onChange={(e) => setWhole(e.currentTarget.checked)} />
                {!whole ? (
                  <>
                    <Text size="sm">Размер квадрата</Text>
                    <Slider thumbLabel="Размер квадрата" min={1} max={shortSide} value={square.side} onChange={(v) => move({ side: v })} />
                    <Text size="sm">По горизонтали</Text>
                    <Slider thumbLabel="По горизонтали" min={0} max={Math.max(size.width - square.side, 0)} disabled={size.width === square.side}
                      value={square.left} onChange={(v) => move({ left: v })} />
                    <Text size="sm">По вертикали</Text>
                    <Slider thumbLabel="По вертикали" min={0} max={Math.max(size.height - square.side, 0)} disabled={size.height === square.side}
                      value={square.top} onChange={(v) => move({ top: v })} />
                  </>
                ) : null}
              </Stack>
            ) : null}
          </Group>
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Отмена
          </Button>
          <Button onClick={() => upload.mutate()} loading={upload.isPending} disabled={!file || !size}>
            Сохранить фото
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
