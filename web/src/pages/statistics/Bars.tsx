import "@mantine/charts/styles.css";

import { BarChart } from "@mantine/charts";

import type { ValueAxis } from "./axis";

export type BarSeries = { name: string; label: string; color: string };

/**
 * Horizontal bars, one row per label (the regulation's long names fit beside them), on a value axis
 * that `axis.ts` makes: whole counts, shares in percent, amounts from 0.
 */
export function Bars(props: {
  data: Record<string, string | number | null>[];
  series: BarSeries[];
  axis: ValueAxis;
  stacked?: boolean;
  format?: (value: number) => string;
  testId: string;
  labelWidth?: number;
}) {
  const rows = Math.max(props.data.length, 1);
  return (
    <BarChart
      data-testid={props.testId}
      h={Math.min(56 + rows * (props.stacked ? 34 : 26 * props.series.length + 8), 520)}
      data={props.data}
      dataKey="label"
      orientation="vertical"
      type={props.stacked ? "stacked" : "default"}
      series={props.series}
      withLegend={props.series.length > 1}
      legendProps={{ verticalAlign: "bottom" }}
      gridAxis="x"
      valueFormatter={props.format ?? props.axis.tickFormatter}
      xAxisProps={{
        type: "number",
        domain: props.axis.domain,
        ticks: props.axis.ticks,
        allowDecimals: props.axis.allowDecimals,
        tickFormatter: props.axis.tickFormatter,
        interval: 0,
      }}
      yAxisProps={{ width: props.labelWidth ?? 200, interval: 0 }}
      tooltipAnimationDuration={0}
    />
  );
}
