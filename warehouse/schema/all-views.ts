import { forms } from '../../domain/forms/index.js';
import { factColumns } from './fact-tables.js';
import { analysisViews } from './analysis-views.js';
import { reviewViews } from './review-views.js';
import { ledgerView, quarterFiguresView, viewDdl, yearFiguresView, type ViewSpec } from './views.js';

function withFactComments(view: ViewSpec, table: ReturnType<typeof factColumns>): ViewSpec {
  return { ...view, columns: { ...Object.fromEntries(table.map((c) => [c.name, c.comment])), ...view.columns } };
}

/** Every documented view of the SQL surface, in dependency order. */
export function allViews(): ViewSpec[] {
  const aggregate = forms.filter((f) => f.kind === 'aggregate');
  return [
    ...reviewViews,
    quarterFiguresView(aggregate),
    yearFiguresView(aggregate),
    ...forms.filter((f) => f.kind === 'ledger' && f.currentView).map((f) => withFactComments(ledgerView(f), factColumns(f))),
    ...analysisViews(),
  ];
}

/** DDL (re)creating every view with its comments. */
export function allViewsDdl(): string[] {
  return allViews().flatMap(viewDdl);
}
