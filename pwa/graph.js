// Draw a network alert as SVG: children on the left, the adults, vehicles, phones, places
// and accounts that link them on the right, a line for each link. Built with DOM calls
// (createElementNS), never markup strings.

import { svg } from './dom.js';

export function layout(nodes, { width = 320, rowHeight = 56, top = 32 } = {}) {
  const children = nodes.filter((n) => n.type === 'child');
  const entities = nodes.filter((n) => n.type !== 'child');
  const rows = Math.max(children.length, entities.length, 1);
  const height = top + rows * rowHeight + 24; // room for the last child's label
  const place = (list, x) => list.map((n, i) => ({
    ...n, x, y: top + ((i + 0.5) * (rows * rowHeight)) / list.length,
  }));
  return { width, height, nodes: [...place(children, 70), ...place(entities, width - 90)] };
}

export function drawNetwork(network, { title = 'Network' } = {}) {
  const { width, height, nodes } = layout(network.nodes);
  const at = new Map(nodes.map((n) => [n.id, n]));
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'network-title', class: 'network' });
  root.append(svg('title', { id: 'network-title' }, `${title}: ${nodes.filter((n) => n.type === 'child').length} children, ${network.edges.length} links`));
  root.append(svg('text', { x: 70, y: 16, 'text-anchor': 'middle', class: 'heading' }, 'Children'));
  root.append(svg('text', { x: width - 90, y: 16, 'text-anchor': 'middle', class: 'heading' }, 'Linked by'));
  for (const edge of network.edges) {
    const a = at.get(edge.from);
    const b = at.get(edge.to);
    if (!a || !b) continue;
    root.append(svg('line', { x1: a.x + 18, y1: a.y, x2: b.x - 40, y2: b.y, class: 'edge', 'stroke-width': 1 + Math.min(4, edge.concerns.length) }));
  }
  for (const node of nodes) {
    const g = svg('g', { class: `node ${node.type === 'child' ? 'child' : 'entity'}` });
    if (node.type === 'child') g.append(svg('circle', { cx: node.x, cy: node.y, r: 18 }));
    else g.append(svg('rect', { x: node.x - 40, y: node.y - 16, width: 80, height: 32, rx: 6 }));
    g.append(svg('text', { x: node.x, y: node.y + (node.type === 'child' ? 34 : 4), 'text-anchor': 'middle' }, node.label));
    root.append(g);
  }
  return root;
}
