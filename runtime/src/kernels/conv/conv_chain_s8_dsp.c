/* mote_conv_chain_s8 over the DSP kernels mote_conv2d_s8_dsp and mote_add_s8_dsp: the schedule
 * is conv_chain.h's. */
#include "conv_chain.h"

MOTE__CHAIN_VARIANT(mote_conv_chain_s8_dsp, mote_conv_chain_s8_dsp_params, mote_conv_s8_dsp_params,
                    mote_conv2d_s8_dsp, mote_conv2d_s8_dsp_scratch_bytes, chan1, chan2, mote_add_s8_dsp)
