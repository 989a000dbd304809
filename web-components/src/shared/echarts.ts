/**
 * The one place ECharts modules are registered: only the charts and components the elements use,
 * so the bundle carries a fraction of the full library.
 */
import { use, init, type EChartsType } from 'echarts/core';
import { LineChart, BarChart, PieChart, CustomChart } from 'echarts/charts';
import {
  GridComponent,
  TooltipComponent,
  DataZoomComponent,
  MarkAreaComponent,
  LegendComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([LineChart, BarChart, PieChart, CustomChart, GridComponent, TooltipComponent, DataZoomComponent, MarkAreaComponent, LegendComponent, CanvasRenderer]);

export { init };
export type { EChartsType };
