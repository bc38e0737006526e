// The compare bench's chart: how many times better Dengta did than Node-RED on each workload, on
// a log scale with the line at 1× (as good) and the targets marked, rendered to SVG with ECharts.
import { writeFileSync } from "node:fs";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, MarkLineComponent, TitleComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import type { Compared } from "./compared.ts";

echarts.use([BarChart, LineChart, GridComponent, MarkLineComponent, TitleComponent, SVGRenderer]);

const WIDTH = 960;
const ROW_PX = 26;
const LABEL_CHARS = 56;

/** Writes the chart of every workload with both systems' figures into `file`. */
export function writeChart(file: string, workloads: readonly Compared[], title: string): void {
  const rows = workloads.filter((w) => w.ratio_vs_node_red !== null).reverse();
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: WIDTH, height: 120 + rows.length * ROW_PX });
  try {
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: "sans-serif" },
      title: { text: title, left: "center", textStyle: { fontSize: 14 } },
      grid: { left: 380, right: 90, top: 48, bottom: 48 },
      xAxis: { type: "log", name: "× better than Node-RED", nameLocation: "middle", nameGap: 28, min: 0.1 },
      yAxis: { type: "category", data: rows.map((w) => label(w.name)), axisLabel: { fontSize: 11 } },
      series: [{
        type: "bar", silent: true, barMaxWidth: 16,
        data: rows.map((w) => ({ value: w.ratio_vs_node_red, itemStyle: { color: w.met ? "#2f6fb2" : "#b5483f" } })),
        label: { show: true, position: "right", formatter: "{c}×", fontSize: 11 },
        markLine: { silent: true, symbol: "none", lineStyle: { color: "#444", type: "dashed" }, data: [{ xAxis: 1 }], label: { formatter: "1×" } },
      }],
    });
    writeFileSync(file, `${chart.renderToSVGString()}\n`);
  } finally {
    chart.dispose();
  }
}

/** The workload's name without its parenthesis, short enough for the axis (the SVG renderer does not truncate). */
function label(name: string): string {
  const short = name.replace(/\s*\(.*\)$/, "");
  return short.length <= LABEL_CHARS ? short : `${short.slice(0, LABEL_CHARS - 1)}…`;
}
