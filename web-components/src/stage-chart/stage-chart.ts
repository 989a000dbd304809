import { html, LitElement, nothing, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { BOTTLENECK_STAGES, type ChartPoint } from '@backup-telemetry/contract';
import { capitalize } from '../shared/format.js';
import { stageChartStyles } from './stage-chart.styles.js';

const WIDTH = 600;
const HEIGHT = 100;

/**
 * How busy each stage of a job's data path was over time (source, proxy, network, target; 0–100 %),
 * from the chart points that carry stage busy percents (`b`). Renders nothing for a job whose
 * client never reported them.
 *
 * @tag bt-stage-chart
 * @csspart chart - The SVG.
 * @csspart legend - The stage legend.
 */
@customElement('bt-stage-chart')
export class BtStageChart extends LitElement {
  static override styles = stageChartStyles;

  /** Chart points of one job (`performance_metrics.chart_data` or the live chart). */
  @property({ attribute: false }) points: ChartPoint[] = [];

  protected override render() {
    const busy = this.points.filter((p) => Array.isArray(p.b) && p.b.length === 4);
    if (busy.length === 0) return nothing;
    const first = busy[0]!.t;
    const span = Math.max(1, busy[busy.length - 1]!.t - first);
    const x = (t: number) => (((t - first) / span) * WIDTH).toFixed(1);
    const y = (percent: number) => (HEIGHT - (Math.min(100, Math.max(0, percent)) / 100) * HEIGHT).toFixed(1);
    return html`<svg part="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="Busy percent of source, proxy, network and target over time">
        ${[25, 50, 75].map((g) => svg`<line class="grid" x1="0" x2=${WIDTH} y1=${y(g)} y2=${y(g)}></line>`)}
        ${BOTTLENECK_STAGES.map((stage, i) => svg`<polyline class=${stage} data-stage=${stage} points=${busy.map((p) => `${x(p.t)},${y(p.b![i]!)}`).join(' ')}></polyline>`)}
      </svg>
      <ul part="legend">${BOTTLENECK_STAGES.map((stage) => html`<li class=${stage}>${capitalize(stage)}</li>`)}</ul>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-stage-chart': BtStageChart;
  }
}
