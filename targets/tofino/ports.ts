// The port map of a Tofino switch: front-panel ports ("N/C": connector N, channel C, as the
// switch's port-add names them) to device ports (dev_port, what the P4 program sees), read
// from a JSON file of the board ({"1/0": 128, "1/1": 129, ...}). ofp4.p4 has no port
// translation, so each front-panel port becomes the OpenFlow port numbered by its device port
// and named by its front-panel name. Pure: parsing returns ports or one line naming the problem.

/** Tofino device ports are 9 bits. */
export const TOFINO_MAX_DEV_PORT = 511;

const FRONT_PANEL = /^(\d+)\/(\d+)$/;

export interface FrontPanelPort {
  /** OpenFlow port number: the device port. */
  readonly number: number;
  /** The front-panel name, "N/C". */
  readonly name: string;
  /** The device port. */
  readonly targetPort: number;
}

/** The ports of a port-map file's text, ordered by front panel; or why the file is refused. */
export function parseTofinoPortMap(text: string, file: string): FrontPanelPort[] | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return `Tofino port map ${file}: ${(e as Error).message}`;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return `Tofino port map ${file}: not a JSON object of "N/C": device port`;
  const ports: FrontPanelPort[] = [];
  const byDev = new Map<number, string>();
  for (const [name, dev] of Object.entries(doc as Record<string, unknown>)) {
    if (!FRONT_PANEL.test(name)) return `Tofino port map ${file}: '${name}' is not a front-panel port N/C`;
    if (typeof dev !== "number" || !Number.isInteger(dev) || dev < 0 || dev > TOFINO_MAX_DEV_PORT) {
      return `Tofino port map ${file}: '${name}' maps to ${JSON.stringify(dev)}, not a device port from 0 to ${TOFINO_MAX_DEV_PORT}`;
    }
    const other = byDev.get(dev);
    if (other !== undefined) return `Tofino port map ${file}: '${name}' and '${other}' both map to device port ${dev}`;
    byDev.set(dev, name);
    ports.push({ number: dev, name, targetPort: dev });
  }
  if (ports.length === 0) return `Tofino port map ${file}: no ports`;
  const key = (p: FrontPanelPort): [number, number] => {
    const m = FRONT_PANEL.exec(p.name)!;
    return [Number(m[1]), Number(m[2])];
  };
  return ports.sort((a, b) => {
    const [ap, ac] = key(a);
    const [bp, bc] = key(b);
    return ap - bp || ac - bc;
  });
}
