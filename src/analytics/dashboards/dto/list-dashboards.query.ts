import { PageQuery } from '../../../common/pagination';

/** GET /v1/dashboards: page and limit, the default dashboard first, then oldest first. */
export class ListDashboardsQuery extends PageQuery {}
