import { Group, Text, UnstyledButton } from "@mantine/core";

/** Where a logo goes, as the workshop names it, and where that is on the sketch (in % of a side). */
export const PLACEMENTS: { name: string; side: "front" | "back"; x: number; y: number }[] = [
  { name: "левая сторона груди", side: "front", x: 64, y: 32 },
  { name: "правая сторона груди", side: "front", x: 36, y: 32 },
  { name: "центр груди", side: "front", x: 50, y: 44 },
  { name: "левый рукав", side: "front", x: 90, y: 36 },
  { name: "правый рукав", side: "front", x: 10, y: 36 },
  { name: "верх спины", side: "back", x: 50, y: 24 },
  { name: "центр спины", side: "back", x: 50, y: 48 },
];

const OUTLINE =
  "M35 6 L50 12 L65 6 L88 16 L100 44 L84 50 L78 38 L78 96 L22 96 L22 38 L16 50 L0 44 L12 16 Z";

function Side({ side, value, onPick }: { side: "front" | "back"; value: string; onPick: (name: string) => void }) {
  return (
    <div style={{ position: "relative", width: 150, height: 150 }}>
      <svg viewBox="0 0 100 100" width={150} height={150} aria-hidden="true">
        <path d={OUTLINE} fill="var(--mantine-color-gray-1)" stroke="var(--mantine-color-gray-6)" strokeWidth={1.2} />
        {side === "front" ? <path d="M40 8 Q50 20 60 8" fill="none" stroke="var(--mantine-color-gray-6)" strokeWidth={1} /> : null}
      </svg>
      {PLACEMENTS.filter((p) => p.side === side).map((p) => {
        const chosen = value.trim().toLowerCase() === p.name;
        return (
          <UnstyledButton
            key={p.name}
            type="button"
            aria-label={p.name}
            aria-pressed={chosen}
            title={p.name}
            onClick={() => onPick(p.name)}
            style={{
              position: "absolute",
              left: `calc(${p.x}% - 9px)`,
              top: `calc(${p.y}% - 9px)`,
              width: 18,
              height: 18,
              borderRadius: "50%",
              border: "2px solid var(--mantine-color-blue-6)",
              background: chosen ? "var(--mantine-color-blue-6)" : "var(--mantine-color-white)",
            }}
          />
        );
      })}
      <Text size="xs" c="dimmed" ta="center">
        {side === "front" ? "перед" : "спинка"}
      </Text>
    </div>
  );
}

/** The garment's sketch, front and back: a point picked names the logo's placement. */
export function GarmentSketch({ value, onPick }: { value: string; onPick: (name: string) => void }) {
  return (
    <Group gap="md" align="flex-start" data-testid="garment-sketch" role="group" aria-label="Эскиз изделия, перед и спинка">
      <Side side="front" value={value} onPick={onPick} />
      <Side side="back" value={value} onPick={onPick} />
    </Group>
  );
}
