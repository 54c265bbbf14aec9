import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { TenantryClient, Schemas } from '../../api-client';
import type { Session } from '../shared/session';

/** What every workspace page needs: the API client, the session, and who is signed in. */
export interface Workspace {
  api: TenantryClient;
  session: Session;
  me: Schemas['MeResponse'];
  /** Whether the signed-in role holds a permission (controls it lacks are hidden). */
  can: (permission: Schemas['MeResponse']['permissions'][number]) => boolean;
  /** Reads the tenant's branding again and applies it (after the branding page saves). */
  refreshBranding: () => void;
}

export const WorkspaceContext = createContext<Workspace | null>(null);

export function useWorkspace(): Workspace {
  const workspace = useContext(WorkspaceContext);
  if (!workspace) throw new Error('useWorkspace outside the workspace');
  return workspace;
}
