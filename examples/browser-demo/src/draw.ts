/*
 * A canvas to draw a digit on, and its MNIST-style preprocessing: crop to the ink, scale the
 * longer side to 20 px, centre the 20×20 box by its centre of mass in a 28×28 frame (as the MNIST
 * digits were prepared), grey values in [0, 1].
 */
export class DrawPad {
  private readonly ctx: CanvasRenderingContext2D;
  private drawing = false;
  private last: [number, number] | null = null;
  private inked = false;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly onStroke: () => void,
  ) {
    this.ctx = canvas.getContext('2d', {willReadFrequently: true})!;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      this.drawing = true;
      canvas.setPointerCapture(e.pointerId);
      this.last = this.pos(e);
      this.dot(this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      const p = this.pos(e);
      this.line(this.last ?? p, p);
      this.last = p;
    });
    const end = () => {
      if (!this.drawing) return;
      this.drawing = false;
      this.last = null;
      this.onStroke();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  get hasInk(): boolean {
    return this.inked;
  }

  clear(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.inked = false;
  }

  private pos(e: PointerEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [
      ((e.clientX - r.left) / r.width) * this.canvas.width,
      ((e.clientY - r.top) / r.height) * this.canvas.height,
    ];
  }

  private brush(): void {
    this.ctx.strokeStyle = '#fff';
    this.ctx.fillStyle = '#fff';
    this.ctx.lineWidth = this.canvas.width / 12;
    this.ctx.lineCap = 'round';
    this.ctx.lineJoin = 'round';
  }

  private dot([x, y]: [number, number]): void {
    this.brush();
    this.ctx.beginPath();
    this.ctx.arc(x, y, this.ctx.lineWidth / 2, 0, 2 * Math.PI);
    this.ctx.fill();
    this.inked = true;
  }

  private line(a: [number, number], b: [number, number]): void {
    this.brush();
    this.ctx.beginPath();
    this.ctx.moveTo(a[0], a[1]);
    this.ctx.lineTo(b[0], b[1]);
    this.ctx.stroke();
    this.inked = true;
  }

  /** 784 grey values in [0, 1] (row-major 28×28), or null when nothing is drawn. */
  toMnist(): Float32Array | null {
    const {width: W, height: H} = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, W, H).data;
    let x0 = W,
      y0 = H,
      x1 = -1,
      y1 = -1;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (rgba[(y * W + x) * 4] > 20) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    if (x1 < 0) return null;
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    const s = 20 / Math.max(bw, bh);
    const tw = Math.max(1, Math.round(bw * s));
    const th = Math.max(1, Math.round(bh * s));
    const box = document.createElement('canvas');
    box.width = tw;
    box.height = th;
    const bctx = box.getContext('2d', {willReadFrequently: true})!;
    bctx.imageSmoothingEnabled = true;
    bctx.imageSmoothingQuality = 'high';
    bctx.drawImage(this.canvas, x0, y0, bw, bh, 0, 0, tw, th);
    const small = bctx.getImageData(0, 0, tw, th).data;
    // centre of mass of the box
    let mass = 0,
      cx = 0,
      cy = 0;
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const v = small[(y * tw + x) * 4] / 255;
        mass += v;
        cx += v * x;
        cy += v * y;
      }
    }
    cx = mass > 0 ? cx / mass : tw / 2;
    cy = mass > 0 ? cy / mass : th / 2;
    const ox = Math.round(14 - cx - 0.5);
    const oy = Math.round(14 - cy - 0.5);
    const out = new Float32Array(784);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const X = x + ox;
        const Y = y + oy;
        if (X >= 0 && X < 28 && Y >= 0 && Y < 28) out[Y * 28 + X] = small[(y * tw + x) * 4] / 255;
      }
    }
    return out;
  }
}
