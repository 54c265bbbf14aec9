import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { TenantryClient } from '../../api-client';
import type { Session } from '../shared/session';

/** What every operator console page needs: the API client and the session. */
export interface Console {
  api: TenantryClient;
  session: Session;
}

export const ConsoleContext = createContext<Console | null>(null);

export function useConsole(): Console {
  const console = useContext(ConsoleContext);
  if (!console) throw new Error('useConsole outside the console');
  return console;
}
