"""torch.hub entry points of haf_nb: `torch.hub.load('haf-nb/haf_nb', 'haf', pretrained_checkpoint='final.pt')`.

Each entry point builds the model preset of `haf_nb.models.haf` (keyword arguments: HAFConfig fields), or, with
`pretrained_checkpoint` (a local file or a URL), loads that checkpoint with its image transform (`haf_nb.load`):
`model.describe(['a.jpg', 'b.jpg'])` then gives [N, D] descriptors. Tested in nbs/26_inference.ipynb.
"""
dependencies = ['torch', 'torchvision', 'timm']


def _entry(preset: str, pretrained_checkpoint: str | None = None, device: str = 'cpu', **overrides):
    if pretrained_checkpoint is not None:
        if overrides:
            raise ValueError(f"{preset}: a checkpoint carries its stored config; got overrides {sorted(overrides)} too "
                             f"(leave them out, or build the untrained preset without pretrained_checkpoint).")
        path = str(pretrained_checkpoint)
        if path.startswith(('http://', 'https://')):
            import os, torch
            dst = os.path.join(torch.hub.get_dir(), 'checkpoints', os.path.basename(path.split('?')[0]))
            if not os.path.isfile(dst):
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                torch.hub.download_url_to_file(path, dst)
            path = dst
        from haf_nb.inference import load
        return load(path, device=device)
    from haf_nb.models.haf import build_model
    return build_model(preset, **overrides).to(device).eval()


def haf(pretrained_checkpoint=None, device='cpu', **overrides):
    "HAF (VGG16 by default; backbone='efficientnet_lite0' for the CPU model), untrained or from a checkpoint."
    return _entry('haf', pretrained_checkpoint, device, **overrides)


def netvlad(pretrained_checkpoint=None, device='cpu', **overrides):
    "The NetVLAD baseline (conv5 + NetVLAD)."
    return _entry('netvlad', pretrained_checkpoint, device, **overrides)


def crn(pretrained_checkpoint=None, device='cpu', **overrides):
    "The CRN baseline (NetVLAD with a contextual reweighting mask)."
    return _entry('crn', pretrained_checkpoint, device, **overrides)


def superpoint(pretrained_checkpoint=None, device='cpu', **overrides):
    "The SuperPoint-style baseline (conv4 head + NetVLAD)."
    return _entry('superpoint', pretrained_checkpoint, device, **overrides)


def gem(pretrained_checkpoint=None, device='cpu', **overrides):
    "The GeM baseline (generalized-mean pooling of conv5)."
    return _entry('gem', pretrained_checkpoint, device, **overrides)
