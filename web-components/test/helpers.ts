import { waitUntil } from '@open-wc/testing';
import type { EChartsType } from 'echarts/core';
import type { BtSpeedChart } from '../src/speed-chart/speed-chart.js';
import { deepActiveElement } from '../src/shared/focus.js';

export const $ = <T extends Element = HTMLElement>(root: Element, selector: string) =>
  root.shadowRoot!.querySelector<T>(selector) as T;
export const $$ = <T extends Element = HTMLElement>(root: Element, selector: string) =>
  [...root.shadowRoot!.querySelectorAll<T>(selector)];

/** The speed chart's drawn speed series as [t, MiB/s] pairs. */
export function speedSeries(chart: BtSpeedChart): [number, number][] {
  const option = chart.chart!.getOption() as { series: { id: string; data: [number, number][] }[] };
  return option.series.find((s) => s.id === 'speed')!.data;
}

/** Waits for a chart element's chart (the first chart of a page also loads ECharts, unbundled here: allow seconds). */
export async function chartReady(el: { chart?: EChartsType }, message = 'chart rendered', timeout = 10_000) {
  await waitUntil(() => el.chart && !el.chart.isDisposed(), message, { timeout });
  return el.chart!;
}

/** Whether the focused element (through shadow roots) is inside `host`. */
export function focusIsInside(host: Element): boolean {
  let node: Node | null = deepActiveElement();
  while (node) {
    if (node === host) return true;
    node = node.parentNode ?? (node as ShadowRoot).host ?? null;
  }
  return false;
}
