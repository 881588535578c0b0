//go:build !(goexperiment.simd && amd64)

package gram

// simdBuild says that this build has the vector kernels.
const simdBuild = false
