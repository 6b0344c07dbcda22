import { errors } from '../../shared/errors.js';
import type { AgentsRepo } from '../../storage/repos/agents-repo.js';
import { agentIdOf, credentialMatches } from './credentials.js';

/** Who an agent API request is from. */
export interface SignedInAgent {
  id: string;
  accountId: string;
  botId: string;
}

/**
 * Admits agent API callers by their credential: one primary-key read and a constant-time hash
 * comparison per request, so a reset or a removal takes effect at the next request.
 */
export class AgentAccess {
  constructor(private readonly agents: AgentsRepo) {}

  async authenticate(credential: string | undefined): Promise<SignedInAgent> {
    const id = credential ? agentIdOf(credential) : undefined;
    const agent = id ? await this.agents.find(id) : undefined;
    if (!agent || !credentialMatches(credential!, agent.credential_hash))
      throw errors.unauthenticated('Invalid agent credential');
    return { id: agent.id, accountId: agent.account_id, botId: agent.bot_id };
  }
}
