{
  "targets": [
    {
      "target_name": "disco_tensor_native",
      "sources": [
        "src/addon.cc",
        "src/js_tensor.cc",
        "src/caching_allocator.cc",
        "src/activation.cc",
        "src/conv.cc",
        "src/matmul.cc",
        "src/elementwise.cc",
        "src/reshape_ops.cc",
        "src/batch_norm.cc",
        "src/batch_norm_train.cc",
        "src/sgd_momentum.cc",
        "src/pool.cc",
        "src/queue_cross_entropy.cc",
        "src/gemm.cc",
        "src/ema.cc",
        "src/gather.cc",
        "src/dist.cc"
      ],
      "include_dirs": ["<!(node -e \"process.stdout.write(String(process.env.DISCO_TORCH_INCLUDE || '/usr/include'))\")", "<!(node -e \"process.stdout.write(String((process.env.DISCO_TORCH_INCLUDE || '/usr/include') + '/torch/csrc/api/include'))\")"],
      "libraries": ["-L<!(node -e \"process.stdout.write(String(process.env.DISCO_TORCH_LIB || '/usr/lib/x86_64-linux-gnu'))\")", "-ltorch", "-ltorch_cpu", "-lc10", "-ldl"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-frtti", "-Wno-unused-parameter", "-Wno-deprecated-declarations", "<!@(node -e \"process.stdout.write(String(process.env.DISCO_NATIVE_SANITIZE ? '-fsanitize=' + process.env.DISCO_NATIVE_SANITIZE + ' -fno-omit-frame-pointer -g1 -O1' : ''))\")"],
      "ldflags": ["<!@(node -e \"process.stdout.write(String(process.env.DISCO_NATIVE_SANITIZE ? '-fsanitize=' + process.env.DISCO_NATIVE_SANITIZE : ''))\")"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["<!(node -e \"process.stdout.write(String(require('fs').existsSync((process.env.DISCO_TORCH_INCLUDE || '/usr/include') + '/gloo/allreduce.h') ? 1 : 0))\")==1", {
          "defines": ["DISCO_WITH_C10D", "USE_C10D_GLOO"],
          "libraries": ["-l:libgloo.so.0"]
        }]
      ]
    }
  ]
}
