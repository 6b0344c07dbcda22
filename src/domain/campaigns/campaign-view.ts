import type { Campaign } from '../../contract/campaign.js';
import type { CampaignRow } from '../../storage/schema.js';
import type { CampaignConfig } from './campaign-config.js';

/** Extra per-row facts some views add (list `connection`, SMS counters). */
export interface ViewExtras {
  totalMessagesSent?: number;
  forList?: boolean;
}

/**
 * Shapes a stored campaign the way Kore returns it: string priority, `_id` and `id`, list names,
 * flow id in `experienceFlow`, boolean `enableMachineDetect` (v2's mode is in `machineDetectMode`).
 */
export function toKoreCampaign(row: CampaignRow, extras: ViewExtras = {}): Campaign {
  const c = JSON.parse(row.config) as CampaignConfig;
  const out: Campaign = {
    _id: row.id,
    name: row.name,
    lname: row.lname,
    description: row.description,
    status: row.status,
    priority: String(row.priority),
    campaignType: row.type,
    dialingStrategy: c.dialingStrategy,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    schedule: c.schedule,
    contactLists: c.contactLists.map((l) => l.name),
    enableMachineDetect: c.machineDetection !== 'no',
    id: row.id,
  };
  if (row.dialing_mode) out.dialingMode = row.dialing_mode;
  if (c.experienceFlow) out.experienceFlow = c.experienceFlow.id;
  if (c.message) out.message = c.message;
  if (c.maxSkips !== undefined) out.maxSkips = c.maxSkips;
  if (c.queue) out.queue_name = c.queue.name;
  if (c.agentSettings) out.agentSettings = c.agentSettings;
  if (c.predictiveSettings) out.predictiveSettings = c.predictiveSettings;
  if (row.instance_id) out.campaignInstanceId = row.instance_id;
  if (c.dncList) out.dncLists = c.dncList;
  if (row.type === 'voice') out.machineDetectMode = c.machineDetection;
  if (row.type === 'sms') {
    out.format = c.format;
    out.direction = c.format;
    out.totalMessagesSent = extras.totalMessagesSent ?? 0;
  }
  if (extras.forList) {
    const connection = c.queue?.name ?? c.experienceFlow?.name;
    if (connection) out.connection = connection;
    if (row.instance_updated_at) out.campaignInstanceUpdatedAt = row.instance_updated_at;
    if (row.type === 'sms') out.campaignExecutionType = 'NORMAL';
  }
  return out;
}
