/**
 * Entry of the web UI (bundled to media/webview.js). Picks the transport: messages to the
 * extension host inside a VS Code webview, REST + WebSocket in a browser tab. Then shows the view
 * the URL fragment names and follows its changes.
 */
import { h, replaceChildren } from './dom';
import { formatRoute, parseRoute, takeToken, type ListFilter, type Route } from './route';
import type { Transport } from './transport';
import { PostMessageTransport, type VsCodeApi } from './transportPostMessage';
import { WebSocketTransport } from './transportWebSocket';
import { readEmbeddedReport } from './report-data';
import { StaticTransport } from './transport-static';
import { reportSummary } from './views/report-summary';
import { AnalyticsView } from './views/analytics';
import { DetailView } from './views/detail';
import { FlowsView } from './views/flows';
import { ListView } from './views/list';

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

const TOKEN_KEY = 'testmesh.token';

interface View {
  readonly element: HTMLElement;
  mount(): void;
  dispose(): void;
}

class App {
  private view: View | undefined;
  private route: Route | undefined;
  private readonly banner: HTMLElement;
  private readonly main: HTMLElement;
  private readonly nav: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly transport: Transport,
    private readonly persist: (hash: string) => void,
  ) {
    this.banner = h('div', { class: 'banner', role: 'alert', hidden: true });
    this.main = h('main', { class: 'app-main' });
    this.nav = h(
      'nav',
      { class: 'app-nav', 'aria-label': 'Views' },
      h('a', { href: '#/executions', 'data-view': 'list', text: 'Executions' }),
      h('a', { href: '#/flows', 'data-view': 'flows', text: 'Flows' }),
      h('a', { href: '#/analytics', 'data-view': 'analytics', text: 'Analytics' }),
    );
    replaceChildren(root, this.banner, this.nav, this.main);
  }

  /** Shows the view of `hash`; a step change within the same execution only moves the selection. */
  show(hash: string): void {
    const route = parseRoute(hash);
    const current = this.route;
    if (
      current?.view === 'execution' &&
      route.view === 'execution' &&
      current.executionId === route.executionId &&
      this.view instanceof DetailView
    ) {
      this.route = route;
      this.view.select(route.stepId);
      this.persist(formatRoute(route));
      return;
    }
    this.route = route;
    this.view?.dispose();
    this.view =
      route.view === 'analytics'
        ? this.analyticsView()
        : route.view === 'flows'
          ? this.flowsView()
          : route.view === 'list'
            ? this.listView(route.filter)
            : this.detailView(route.executionId, route.stepId);
    this.markNavigation(route);
    replaceChildren(this.main, this.view.element);
    this.view.mount();
    this.persist(formatRoute(route));
  }

  unauthorized(): void {
    this.banner.hidden = false;
    replaceChildren(
      this.banner,
      h('strong', { text: 'Not authorized. ' }),
      'This page needs the session token of the running TestMesh server: open the link that ',
      h('code', { text: 'testmesh serve' }),
      ' printed (it ends with #token=…).',
    );
  }

  private analyticsView(): View {
    return new AnalyticsView(this.transport, {
      onOpen: (id) => navigate({ view: 'execution', executionId: id }),
      onUnauthorized: () => this.unauthorized(),
    });
  }

  /** The link of the current view says so (execution detail belongs to Executions). */
  private markNavigation(route: Route): void {
    const current = route.view === 'analytics' || route.view === 'flows' ? route.view : 'list';
    for (const link of Array.from(this.nav.querySelectorAll('a'))) {
      if (link.dataset.view === current) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  private listView(filter: ListFilter | undefined): View {
    return new ListView(this.transport, {
      filter,
      onOpen: (id) => navigate({ view: 'execution', executionId: id }),
      onUnauthorized: () => this.unauthorized(),
      // The filter lives in the URL (a reload or a shared link keeps it) without filling Back history.
      onFilterChange: (next) => {
        const route: Route = { view: 'list', filter: next };
        this.route = route;
        history.replaceState(history.state, '', formatRoute(route));
        this.persist(formatRoute(route));
      },
    });
  }

  private flowsView(): View {
    return new FlowsView(this.transport, { onUnauthorized: () => this.unauthorized() });
  }

  private detailView(executionId: string, stepId: string | undefined): View {
    return new DetailView(this.transport, executionId, {
      stepId,
      onSelectStep: (selected) => {
        const route: Route = { view: 'execution', executionId, stepId: selected };
        this.route = route;
        // Selecting steps should not fill the Back history; the URL still links to the step.
        history.replaceState(history.state, '', formatRoute(route));
        this.persist(formatRoute(route));
      },
      onUnauthorized: () => this.unauthorized(),
    });
  }
}

function navigate(route: Route): void {
  location.hash = formatRoute(route);
}

/** The token from `#token=...` (then removed from the address bar), or the one kept for this tab. */
function browserToken(): string | undefined {
  const { token, hash } = takeToken(location.hash);
  if (token !== undefined) {
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      // Storage may be disabled; the token still works for this page load.
    }
    history.replaceState(null, '', `${location.pathname}${location.search}${hash || '#/executions'}`);
    return token;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

function start(): void {
  const root = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
  root.classList.add('tm-app');
  // A self-contained HTML report (`testmesh run --reporter html`): the same views, fed from the page.
  const report = readEmbeddedReport(document);
  if (report) {
    const app = new App(root, new StaticTransport(report), () => undefined);
    root.classList.add('tm-report');
    root.prepend(reportSummary(report));
    addEventListener('hashchange', () => app.show(location.hash));
    app.show(location.hash);
    return;
  }
  if (typeof acquireVsCodeApi === 'function') {
    const api = acquireVsCodeApi();
    const transport = new PostMessageTransport(api);
    const app = new App(root, transport, (hash) => api.setState({ hash }));
    const saved = (api.getState() as { hash?: unknown } | undefined)?.hash;
    // The host may name the first view in the page (`<body data-route="#/executions/...">`).
    const initial =
      location.hash || (typeof saved === 'string' ? saved : '') || document.body.dataset.route || '#/executions';
    transport.onNavigate = (hash) => app.show(hash);
    addEventListener('hashchange', () => app.show(location.hash));
    app.show(initial);
    transport.ready();
    return;
  }
  const token = browserToken();
  const transport = new WebSocketTransport({ baseUrl: location.origin, token });
  const app = new App(root, transport, () => undefined);
  addEventListener('hashchange', () => app.show(location.hash));
  if (!token) app.unauthorized();
  app.show(location.hash);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
