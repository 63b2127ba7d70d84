import torch
from fontsynth.torchdata import ShardDataset
from brush.placement import ink_boxes, box_iou
ds = ShardDataset("/tmp/s18/pairs-test", fields=("image","content","content-b","mask","mask-b"), size=(32,128), channels=3)
items=[ds[i] for i in range(1000)]
st=lambda k: torch.stack([it[k] for it in items])
A,va=ink_boxes(st("mask").float()); B,vb=ink_boxes(st("mask-b").float())
CA,_=ink_boxes(1-st("content")[:,:1].float()); CB,_=ink_boxes(1-st("content-b")[:,:1].float())
v=va&vb
w=lambda b: b[:,2]-b[:,0]; h=lambda b: b[:,3]-b[:,1]
r = w(A)/w(CA).clamp_min(1e-3)
bw = r*w(CB)
# horizontal: keep the same align fraction of the free space: x0 = a*(2-w) - 1
ax = ((A[:,0]+1)/(2-w(A)).clamp_min(1e-3)).clamp(0,1)
x0 = ax*(2-bw)-1
# vertical: same as A's box scaled by content height ratio around the A center
bh = h(A)*h(CB)/h(CA).clamp_min(1e-3)
ay = ((A[:,1]+1)/(2-h(A)).clamp_min(1e-3)).clamp(0,1)
y0 = ay*(2-bh)-1
P=torch.stack([x0,y0,x0+bw,y0+bh],1)
print("geometric with source text, IoU", box_iou(P,B)[v].mean().item())
P2=torch.stack([x0,A[:,1],x0+bw,A[:,3]],1)
print("same, A's vertical span", box_iou(P2,B)[v].mean().item())
print("A's own box", box_iou(A,B)[v].mean().item(), "content B box", box_iou(CB,B)[v].mean().item())
# without source: width from mean ratio
rr = (w(A)/w(CA)).median()
bw2 = rr*w(CB); x02 = ax*(2-bw2)-1
print("no source text (median width ratio)", box_iou(torch.stack([x02,A[:,1],x02+bw2,A[:,3]],1),B)[v].mean().item())
