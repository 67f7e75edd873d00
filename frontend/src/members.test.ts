import { describe, expect, it } from 'vitest';
import { grantable, manages, memberSource } from './members';

describe('grantable', () => {
  it.each([
    ['MAINTAINER', ['GUEST', 'PLANNER', 'REPORTER', 'DEVELOPER', 'MAINTAINER']],
    ['OWNER', ['GUEST', 'PLANNER', 'REPORTER', 'DEVELOPER', 'MAINTAINER', 'OWNER']],
    [null, []],
    ['NOT_A_ROLE', []],
  ])('%s', (limit, want) => {
    expect(grantable(limit)).toEqual(want);
  });
});

describe('manages', () => {
  it.each([
    ['MAINTAINER', 'DEVELOPER', true],
    ['MAINTAINER', 'MAINTAINER', true],
    ['MAINTAINER', 'OWNER', false],
    [null, 'GUEST', false],
  ])('%s manages %s: %s', (limit, role, want) => {
    expect(manages(limit, role)).toBe(want);
  });
});

describe('memberSource', () => {
  it.each([
    ['a project member', 'acme/app', { project: { fullPath: 'acme/app' } }, { direct: true }],
    ['a group member of the group', 'acme', { group: { fullPath: 'acme' } }, { direct: true }],
    ['inherited from the group', 'acme/app', { group: { fullPath: 'acme' } }, { direct: false, group: 'acme' }],
    ['inherited from a parent group', 'acme/tools', { group: { fullPath: 'acme' }, project: null }, { direct: false, group: 'acme' }],
  ])('%s', (_, here, m, want) => {
    expect(memberSource(here, m)).toEqual(want);
  });
});
