// tfjs-backend-wasm 4.22 runs Conv2D but lacks Conv2DBackpropFilter, the kernel that trains conv
// filters (the cpu backend has it, about 50x slower here). It is a convolution too, of the input
// with the output gradient, batch and channels swapped:
//   dW[kh, kw, ci, co] = sum over b, y, x of xPadded[b, y + kh, x + kw, ci] * dy[b, y, x, co]
import * as tf from '@tensorflow/tfjs';

interface Attrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC' | 'NCHW';
  filterShape: [number, number, number, number];
}

export function registerWasmConvGradient(): void {
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { strides, pad, dataFormat, filterShape } = attrs as unknown as Attrs;
      const stride = typeof strides === 'number' ? [strides, strides] : strides;
      if (stride[0] !== 1 || stride[1] !== 1 || dataFormat !== 'NHWC') {
        throw new Error('this training kernel supports stride 1 and NHWC only');
      }
      return tf.tidy(() => {
        const engine = tf.engine();
        const x = engine.makeTensorFromTensorInfo(inputs.x!) as tf.Tensor4D;
        const dy = engine.makeTensorFromTensorInfo(inputs.dy!) as tf.Tensor4D;
        const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, 1, 1, pad);
        const { top, bottom, left, right } = info.padInfo;
        const padded = tf.pad(x, [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ]);
        const gradient = tf.conv2d(
          tf.transpose(padded, [3, 1, 2, 0]), // [ci, H, W, batch]
          tf.transpose(dy, [1, 2, 0, 3]), // [outH, outW, batch, co]
          1,
          'valid',
        ); // [ci, kh, kw, co]
        return tf.transpose(gradient, [1, 2, 0, 3]);
      });
    },
  });
}
