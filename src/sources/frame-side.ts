/**
 * Frames reach the crop planner at the source's size up to this long side (1080p and smaller pass unscaled); larger
 * sources are shrunk by ffmpeg, which bounds the pipe and the memory per frame. So no person is ever found at a finer
 * resolution than this many pixels a side, which also says how short a line is too short to cross (sources/lines.ts).
 */
export const MAX_FRAME_SIDE = 1920;
