import type { PropertyValues } from 'lit';
import { ChartController } from './chart-controller.js';
import { HubElement } from './hub-element.js';
import type { ChartTheme } from './theme.js';

/**
 * A hub element that draws one ECharts chart into its `.chart` container: attaches the chart when
 * the container renders, redraws it after updates, and exposes `chart` and `refreshTheme()`.
 */
export abstract class ChartElement extends HubElement {
  protected readonly charts = new ChartController(this, (theme) => this.chartOption(theme));

  /** The ECharts instance while a chart is shown (for benchmarks and advanced hosts). */
  get chart() {
    return this.charts.chart;
  }

  /** Also waits for the chart (its ECharts chunk loads on first use) so `chart` is set after `await updateComplete`. */
  protected override async getUpdateComplete(): Promise<boolean> {
    const result = await super.getUpdateComplete();
    await this.charts.ready;
    return result;
  }

  /** Re-reads the colour tokens and redraws (theme changes on <html>/<body> are picked up on their own). */
  refreshTheme(): void {
    this.charts.refreshTheme();
  }

  /** The full ECharts option for the current data and theme. */
  protected abstract chartOption(theme: ChartTheme): Record<string, unknown>;

  /** Whether an update that kept the same chart needs a full redraw. */
  protected needsRedraw(_changed: PropertyValues<this>): boolean {
    return true;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const had = this.charts.chart;
    this.charts.attach(this.renderRoot.querySelector<HTMLElement>('.chart'));
    if (had && had === this.charts.chart && this.needsRedraw(changed)) this.charts.render();
  }
}
