import { useEffect } from 'react';
import { AuditPage } from '../pages/audit-page.js';
import { DeliveryPage } from '../pages/delivery-page.js';
import { EnvironmentsPage } from '../pages/environments-page.js';
import { FlagPage } from '../pages/flag-page.js';
import { FiltersPage } from '../pages/filters-page.js';
import { FlagsPage } from '../pages/flags-page.js';
import { InsightsPage } from '../pages/insights-page.js';
import { SegmentPage } from '../pages/segment-page.js';
import { SegmentsPage } from '../pages/segments-page.js';
import { TokensPage } from '../pages/tokens-page.js';
import { StaleFlagsPage } from '../pages/stale-flags-page.js';
import { ChangeRequestsPage } from '../pages/change-requests-page.js';
import { Loading } from '../components/notice.js';
import { NotFoundPage } from '../pages/not-found-page.js';
import type { Route } from './routes.js';

const TITLES: Record<Route['page'], string> = {
  home: 'Flags',
  'sign-in': 'Sign in',
  project: 'Flags',
  flags: 'Flags',
  flag: 'Flag',
  insights: 'Insights',
  segments: 'Segments',
  segment: 'Segment',
  filters: 'Payload filters',
  environments: 'Environments',
  audit: 'Audit log',
  'stale-flags': 'Stale flags',
  'change-requests': 'Change requests',
  delivery: 'Delivery network',
  tokens: 'API tokens',
  'not-found': 'Not found',
};

/** The page for a route (the scope is in the route: project, environment, item). */
export function Page({ route }: { route: Route }) {
  const item = 'flag' in route ? route.flag : 'segment' in route ? route.segment : undefined;
  useEffect(() => {
    document.title = [item, TITLES[route.page], 'Vexil'].filter((t) => t !== undefined).join(' · ');
  }, [route.page, item]);
  switch (route.page) {
    case 'home':
    case 'sign-in':
    case 'project':
      return <Loading what="the project" />;
    case 'flags':
      return <FlagsPage project={route.project} env={route.env} />;
    case 'flag':
      return <FlagPage project={route.project} env={route.env} flagKey={route.flag} />;
    case 'insights':
      return <InsightsPage project={route.project} env={route.env} flagKey={route.flag} />;
    case 'segments':
      return <SegmentsPage project={route.project} env={route.env} />;
    case 'segment':
      return <SegmentPage project={route.project} env={route.env} segmentKey={route.segment} />;
    case 'filters':
      return <FiltersPage project={route.project} />;
    case 'environments':
      return <EnvironmentsPage project={route.project} env={route.env} />;
    case 'audit':
      return <AuditPage project={route.project} env={route.env} />;
    case 'change-requests':
      return <ChangeRequestsPage key={route.project} project={route.project} env={route.env} />;
    case 'stale-flags':
      return <StaleFlagsPage key={route.project} project={route.project} env={route.env} />;
    case 'delivery':
      return <DeliveryPage />;
    case 'tokens':
      return <TokensPage />;
    case 'not-found':
      return <NotFoundPage path={route.path} />;
  }
}
