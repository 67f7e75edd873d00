import { describe, expect, it } from 'vitest';
import { ALL_FRAMEWORKS, dependencyGroups, sameName } from './dependencies';

const link = (name: string, versionPattern: string, dependencyType = 'DEPENDENCIES', targetFramework?: string) => ({
  dependencyType,
  dependency: { name, versionPattern },
  metadata: targetFramework ? { __typename: 'NugetDependencyLinkMetadata', targetFramework } : null,
});

describe('dependencies card', () => {
  it('groups by dependency type when no framework is named', () => {
    expect(dependencyGroups([link('a', '^1'), link('r', '>=18', 'PEER_DEPENDENCIES'), null, link('b', '~2')])).toEqual([
      { title: 'Dependencies', dependencies: [{ name: 'a', versionPattern: '^1' }, { name: 'b', versionPattern: '~2' }] },
      { title: 'Peer dependencies', dependencies: [{ name: 'r', versionPattern: '>=18' }] },
    ]);
  });
  it('groups by target framework, those without one first', () => {
    const g = dependencyGroups([link('N', '13', 'DEPENDENCIES', 'net8.0'), link('S', '3'), link('P', '8', 'DEPENDENCIES', 'net8.0')]);
    expect(g.map((x) => [x.title, x.dependencies.map((d) => d.name)])).toEqual([
      [ALL_FRAMEWORKS, ['S']],
      ['net8.0', ['N', 'P']],
    ]);
  });
  it('has no groups without dependencies', () => {
    expect(dependencyGroups([])).toEqual([]);
    expect(dependencyGroups([{ dependency: null }])).toEqual([]);
  });
  it('matches names as the formats normalise them', () => {
    expect(sameName('Zope.Interface', 'zope-interface')).toBe(true);
    expect(sameName('left_pad', 'left-pad')).toBe(true);
    expect(sameName('left-pad', 'left-pads')).toBe(false);
  });
});
