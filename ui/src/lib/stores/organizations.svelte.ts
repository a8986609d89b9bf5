// The organisation page being looked at (reached from a member's profile).
import type { OrganizationDetail } from '$lib/bindings/OrganizationDetail';
import * as ipc from '$lib/ipc';
import { showError } from './toasts.svelte';

export const organizations = $state({
  openId: null as number | null,
  detail: null as OrganizationDetail | null,
});

let request = 0;

export async function openOrganization(id: number) {
  organizations.openId = id;
  const mine = ++request;
  try {
    const detail = await ipc.organizationShow(id);
    if (mine === request && organizations.openId === id) organizations.detail = detail;
  } catch (error) {
    if (mine === request) organizations.openId = null;
    showError(error);
  }
}

export function closeOrganization() {
  request++;
  organizations.openId = null;
  organizations.detail = null;
}
