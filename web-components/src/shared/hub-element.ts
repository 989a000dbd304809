import { LitElement, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import type { ChartPoint, MachineProtectionEvent, MachineUpdateEvent } from '@backup-telemetry/contract';
import { TelemetryController, type JobChart } from './telemetry-controller.js';

/**
 * Base of every element that can load from the hub: where the REST API is, how to authenticate, the
 * built-in theme, and the shared telemetry controller (`hub`). Subclasses declare what they load
 * (`vm-name`, `job-id`) and, if they follow jobs live, `socket-url` / `socket`.
 */
export abstract class HubElement extends LitElement {
  /** Base of the hub's REST API. */
  @property({ attribute: 'api-base' }) apiBase = '/api/v1';
  /** Extra fetch options for the hub's REST API (auth headers, credentials). */
  @property({ attribute: false }) requestInit: RequestInit | null = null;
  /** Built-in theme when no `--bt-*`/`--vscode-*` tokens are set: `dark`, `light`, or unset (OS setting). */
  @property({ reflect: true }) theme?: 'dark' | 'light';

  /** The connection to the hub: REST loads and live pushes, and the state they produced. */
  protected readonly hub = new TelemetryController(this, {
    onPoint: (jobId, point) => this.onLivePoint(jobId, point),
    onChart: (jobId, chart) => this.onChartLoaded(jobId, chart),
    onMachine: (event, payload) => this.onMachinePush(event, payload),
  });

  /** A live point was appended to a loaded chart. */
  protected onLivePoint(_jobId: string, _point: ChartPoint): void {}

  /** A job's chart was loaded or replaced (rolled up when its job ended). */
  protected onChartLoaded(_jobId: string, _chart: JobChart): void {}

  /** A fleet push arrived (only after `hub.watchFleet()`). */
  protected onMachinePush(_event: string, _payload: MachineUpdateEvent | MachineProtectionEvent): void {}

  /** Hands the connection settings to the telemetry controller; subclasses call it first. */
  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.hub.apiBase = this.apiBase;
    this.hub.requestInit = this.requestInit;
  }
}
