"""The Real-ESRGAN networks in plain PyTorch (no basicsr): ``rrdbnet.RRDBNet`` (RealESRGAN_x4plus,
x2plus, anime_6B) and ``srvgg.SRVGGNetCompact`` (realesr-animevideov3, realesr-general-x4v3).
Used by the ``torch`` backend and by ``ncnn_weights`` to turn the embedded ncnn weights into .pth."""
